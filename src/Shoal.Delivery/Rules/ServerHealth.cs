using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace Shoal.Delivery.Rules;

/// <summary>
/// Which e-mail and SMS servers failed lately. Each node keeps its own view: a server one node cannot reach may be
/// reachable from another.
/// </summary>
public sealed class ServerHealth(IOptions<MessageOptions> options, TimeProvider time)
{
    private readonly ConcurrentDictionary<Guid, DateTimeOffset> _unhealthyUntil = new();

    public bool IsHealthy(Guid serverId) => !_unhealthyUntil.TryGetValue(serverId, out var until) || until <= time.GetUtcNow();

    public void Failed(Guid serverId) => _unhealthyUntil[serverId] = time.GetUtcNow() + options.Value.UnhealthyFor;

    public void Succeeded(Guid serverId) => _unhealthyUntil.TryRemove(serverId, out _);

    /// <summary>The servers to try, in order: the selected one alone, or the healthy ones in random order.</summary>
    public IReadOnlyList<T> Candidates<T>(IReadOnlyList<T> servers, Guid? selected, Func<T, Guid> id)
    {
        ArgumentNullException.ThrowIfNull(servers);
        ArgumentNullException.ThrowIfNull(id);
        if (selected is { } chosen && servers.FirstOrDefault(s => id(s) == chosen) is { } selectedServer)
        {
            return [selectedServer];
        }
        var healthy = servers.Where(s => IsHealthy(id(s))).ToArray();
        Random.Shared.Shuffle(healthy);
        return healthy;
    }
}
