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
internal sealed partial class StaleConnections(IServiceScopeFactory scopes, IOptions<GatewayOptions> options, ILogger<StaleConnections> logger)
{
    /// <summary>Sets OFFLINE every device recorded as connected to this node; returns how many there were.</summary>
    public async Task<int> ReleaseAsync(CancellationToken cancellationToken)
    {
        var node = options.Value.Node;
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ShoalDb>();
        var released = await db.Devices
            .Where(d => d.ConnectedNode == node)
            .ExecuteUpdateAsync(device => device
                .SetProperty(d => d.Status, DeviceStatus.Offline)
                .SetProperty(d => d.ConnectedNode, (string?)null), cancellationToken);
        if (released > 0)
        {
            LogReleased(logger, released, node);
        }
        return released;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Count} devices were left online by an earlier run of node {Node}; they are now offline.")]
    private static partial void LogReleased(ILogger logger, int count, string node);
}
