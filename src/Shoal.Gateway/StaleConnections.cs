using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Shoal.Storage;
using Shoal.Storage.Entities;

namespace Shoal.Gateway;

/// <summary>
/// The devices this node held when it last stopped without closing their connections (a crash, a kill -9): those
/// connections died with it, so before it listens again it sets them OFFLINE. Devices held by other nodes sharing the
/// database are left to them.
/// </summary>
internal sealed partial class StaleConnections(
    IServiceScopeFactory scopes, Changes changes, IOptions<GatewayOptions> options, TimeProvider time, ILogger<StaleConnections> logger)
{
    /// <summary>
    /// Sets OFFLINE every device recorded as connected to this node, logging each change as a device event in the same
    /// transaction; returns how many there were.
    /// </summary>
    public async Task<int> ReleaseAsync(CancellationToken cancellationToken)
    {
        var node = options.Value.Node;
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ShoalDb>();
        var released = await db.Devices.Where(d => d.ConnectedNode == node).ToListAsync(cancellationToken);
        if (released.Count == 0)
        {
            return 0;
        }
        var now = time.GetUtcNow();
        foreach (var device in released)
        {
            device.Status = DeviceStatus.Offline;
            device.ConnectedNode = null;
            db.DeviceEvents.Add(new DeviceEvent
            {
                ApplicationId = device.ApplicationId,
                DeviceId = device.Id,
                Type = DeviceEventType.StatusChanged,
                Payload = DeviceStatusPayload.Offline,
                CreatedAt = now,
            });
        }
        await db.SaveChangesAsync(cancellationToken);
        changes.Publish(ChangeKind.DeviceState, released.Select(d => d.Id));
        LogReleased(logger, released.Count, node);
        return released.Count;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Count} devices were left online by an earlier run of node {Node}; they are now offline.")]
    private static partial void LogReleased(ILogger logger, int count, string node);
}
