using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Shoal.Gateway;
using Shoal.Storage;

namespace Shoal.Server.Northbound;

/// <summary>
/// Shares this node's northbound call counts with the other nodes on the database every
/// <see cref="NorthboundOptions.ThrottleShareInterval"/>, and reads theirs, so that an application's throttle counts
/// its calls on every node.
/// </summary>
internal sealed partial class NorthboundCallSharing(
    IServiceScopeFactory scopes, NorthboundCallRate rate, IOptions<NorthboundOptions> options, IOptions<GatewayOptions> gateway,
    TimeProvider time, ILogger<NorthboundCallSharing> logger) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        PeriodicRounds.RunAsync(options.Value.ThrottleShareInterval, time, ShareAsync, e => LogFailed(logger, e), stoppingToken);

    private async Task ShareAsync(CancellationToken cancellationToken)
    {
        var window = rate.WindowAt(time.GetUtcNow());
        var node = gateway.Value.Node;
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ShoalDb>();
        foreach (var (applicationId, calls) in rate.TakeUnshared(window))
        {
            await db.Database.ExecuteSqlInterpolatedAsync($"""
                INSERT INTO "NorthboundCallCounts" ("Window", "ApplicationId", "Node", "Calls") VALUES ({window}, {applicationId}, {node}, {calls})
                ON CONFLICT ("Window", "ApplicationId", "Node") DO UPDATE SET "Calls" = excluded."Calls"
                """, cancellationToken);
        }
        var others = await db.NorthboundCallCounts
            .Where(c => c.Window == window && c.Node != node)
            .GroupBy(c => c.ApplicationId)
            .Select(g => new { g.Key, Calls = g.Sum(c => c.Calls) })
            .ToDictionaryAsync(g => g.Key, g => g.Calls, cancellationToken);
        rate.SetOthers(window, others);
        await db.NorthboundCallCounts.Where(c => c.Window < window - 1).ExecuteDeleteAsync(cancellationToken);
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Sharing the northbound call counts with the other nodes failed.")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}
