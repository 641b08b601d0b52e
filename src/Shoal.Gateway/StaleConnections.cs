using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Shoal.Storage;
using Shoal.Storage.Entities;

namespace Shoal.Gateway;

/// <summary>
/// Devices recorded as connected to a node whose connections died with it: this node, at start, after it stopped
/// without closing them (a crash, a kill -9), or another node whose lease ran out (<see cref="NodeLease"/>). They are
/// set OFFLINE, each change logged as a device event in the same transaction.
/// </summary>
internal sealed partial class StaleConnections(
    IServiceScopeFactory scopes, Changes changes, IOptions<GatewayOptions> options, TimeProvider time, ILogger<StaleConnections> logger)
{
    /// <summary>Releases the devices this node held when it last stopped; returns how many there were.</summary>
    public async Task<int> ReleaseAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ShoalDb>();
        var released = await ReleaseAsync(db, options.Value.Node, cancellationToken);
        await db.SaveChangesAsync(cancellationToken);
        Released(released, options.Value.Node);
        return released.Count;
    }

    /// <summary>Sets OFFLINE, in <paramref name="db"/>'s unsaved changes, every device recorded as connected to <paramref name="node"/>.</summary>
    public async Task<List<string>> ReleaseAsync(ShoalDb db, string node, CancellationToken cancellationToken)
    {
        var released = await db.Devices.Where(d => d.ConnectedNode == node).ToListAsync(cancellationToken);
        var now = time.GetUtcNow();
        foreach (var device in released)
        {
            device.Status = DeviceStatus.Offline;
            device.ConnectedNode = null;
            device.LastDisconnectReason = "The server node holding the connection stopped without closing it.";
            device.LastDisconnectedAt = now;
            db.DeviceEvents.Add(new DeviceEvent
            {
                ApplicationId = device.ApplicationId,
                DeviceId = device.Id,
                Type = DeviceEventType.StatusChanged,
                Payload = DeviceStatusPayload.Offline,
                CreatedAt = now,
            });
        }
        return [.. released.Select(d => d.Id)];
    }

    /// <summary>Tells the caches and the log, once the release is committed.</summary>
    public void Released(List<string> deviceIds, string node)
    {
        if (deviceIds.Count > 0)
        {
            changes.Publish(ChangeKind.DeviceState, deviceIds);
            LogReleased(logger, deviceIds.Count, node);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Count} devices were left online by node {Node}, which stopped without closing them; they are now offline.")]
    private static partial void LogReleased(ILogger logger, int count, string node);
}
