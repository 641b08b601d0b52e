using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace Shoal.Delivery.Rules;

/// <summary>
/// Which e-mail and SMS servers failed lately. Each node keeps its own view: a server one node cannot reach may be
/// reachable from another.
/// </summary>
public sealed class ServerHealth(IOptions<MessageOptions> options, TimeProvider time)
{
    private readonly ConcurrentDictionary<Guid, DateTimeOffset> _failedAt = new();

    public bool IsHealthy(Guid serverId) => !_failedAt.TryGetValue(serverId, out var failed) || failed + options.Value.UnhealthyFor <= time.GetUtcNow();

    public void Failed(Guid serverId) => _failedAt[serverId] = time.GetUtcNow();

    public void Succeeded(Guid serverId) => _failedAt.TryRemove(serverId, out _);

    /// <summary>
    /// The servers to try, in order: the selected one alone, or the healthy ones in random order. When every server
    /// failed lately, the one that failed longest ago is still tried: passing over all of them would fail a retry
    /// without asking a server that may be back.
    /// </summary>
    public IReadOnlyList<T> Candidates<T>(IReadOnlyList<T> servers, Guid? selected, Func<T, Guid> id)
    {
        ArgumentNullException.ThrowIfNull(servers);
        ArgumentNullException.ThrowIfNull(id);
        if (selected is { } chosen && servers.FirstOrDefault(s => id(s) == chosen) is { } selectedServer)
        {
            return [selectedServer];
        }
        var healthy = servers.Where(s => IsHealthy(id(s))).ToArray();
        if (healthy.Length == 0 && servers.Count > 0)
        {
            return [servers.MinBy(s => _failedAt.TryGetValue(id(s), out var failed) ? failed : DateTimeOffset.MinValue)!];
        }
        Random.Shared.Shuffle(healthy);
        return healthy;
    }
}
