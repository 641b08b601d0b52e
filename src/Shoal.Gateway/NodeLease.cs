using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Shoal.Storage;
using Shoal.Storage.Entities;

namespace Shoal.Gateway;

/// <summary>
/// This node's lease among the nodes sharing the database, renewed every third of <see cref="GatewayOptions.NodeLease"/>.
/// A node whose lease has run out is taken over by the first live node to see it: its devices go OFFLINE and its row
/// goes, in one transaction, so exactly one node does it. A node that finds its own row gone (it stalled longer than
/// its lease and was taken over) closes its device connections so that the devices connect again and are counted
/// online once more.
/// </summary>
internal sealed partial class NodeLease(
    IServiceScopeFactory scopes, StaleConnections stale, DeviceSessions sessions, GatewayServer gateway,
    IOptions<GatewayOptions> options, TimeProvider time, ILogger<NodeLease> logger) : BackgroundService
{
    private bool _joined;

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        PeriodicRounds.RunAsync(options.Value.NodeLease / 3, time, RoundAsync, e => LogFailed(logger, e), stoppingToken);

    /// <summary>Renews this node's lease, then takes over every node whose lease has run out.</summary>
    public async Task RoundAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ShoalDb>();
        await RenewAsync(db, cancellationToken);
        var now = time.GetUtcNow();
        var expired = await db.ClusterNodes.Where(n => n.LeaseUntil < now && n.Name != options.Value.Node).Select(n => n.Name).ToListAsync(cancellationToken);
        foreach (var node in expired)
        {
            await TakeOverAsync(db, node, now, cancellationToken);
        }
    }

    private async Task RenewAsync(ShoalDb db, CancellationToken cancellationToken)
    {
        var node = options.Value.Node;
        var now = time.GetUtcNow();
        var until = now + options.Value.NodeLease;
        if (await db.ClusterNodes.Where(n => n.Name == node).ExecuteUpdateAsync(s => s.SetProperty(n => n.LeaseUntil, until), cancellationToken) == 1)
        {
            _joined = true;
            return;
        }
        if (_joined)
        {
            LogTakenOver(logger, node);
            foreach (var connection in sessions.Live())
            {
                await gateway.DisconnectAsync(connection, "The server lost its lease; connect again.");
            }
        }
        db.ClusterNodes.Add(new ClusterNode { Name = node, StartedAt = now, LeaseUntil = until });
        await db.SaveChangesAsync(cancellationToken);
        db.ChangeTracker.Clear();
        _joined = true;
    }

    private async Task TakeOverAsync(ShoalDb db, string node, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        if (await db.ClusterNodes.Where(n => n.Name == node && n.LeaseUntil < now).ExecuteDeleteAsync(cancellationToken) == 0)
        {
            return;
        }
        var released = await stale.ReleaseAsync(db, node, cancellationToken);
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        db.ChangeTracker.Clear();
        LogTookOver(logger, node);
        stale.Released(released, node);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Node {Node} let its lease run out: this node took over its devices.")]
    private static partial void LogTookOver(ILogger logger, string node);

    [LoggerMessage(Level = LogLevel.Error, Message = "Node {Node} was taken over by another node after its lease ran out; its device connections are closed so that the devices connect again.")]
    private static partial void LogTakenOver(ILogger logger, string node);

    [LoggerMessage(Level = LogLevel.Error, Message = "Renewing this node's lease failed.")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}
