using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace Shoal.Server.Accounts;

/// <summary>
/// Counts failed sign-ins per key (an account, an address) in a sliding window and says how long
/// a key must wait once it has failed too often. Kept in memory: each node limits on its own.
/// </summary>
internal sealed class SignInThrottle(IOptions<AccountOptions> options, TimeProvider time)
{
    private const int MaxTrackedKeys = 100_000;
    private readonly ConcurrentDictionary<string, Queue<DateTimeOffset>> _failures = new();

    /// <summary>How long until <paramref name="key"/> may try again, or null if it may now.</summary>
    public TimeSpan? RetryAfter(string key, int limit)
    {
        if (!_failures.TryGetValue(key, out var queue))
        {
            return null;
        }
        lock (queue)
        {
            var now = time.GetUtcNow();
            Expire(queue, now);
            return queue.Count >= limit ? queue.Peek() + options.Value.SignInWindow - now : null;
        }
    }

    public void Fail(string key)
    {
        if (_failures.Count >= MaxTrackedKeys)
        {
            Prune();
        }
        var queue = _failures.GetOrAdd(key, _ => new Queue<DateTimeOffset>());
        lock (queue)
        {
            queue.Enqueue(time.GetUtcNow());
        }
    }

    public void Succeed(string key) => _failures.TryRemove(key, out _);

    private void Expire(Queue<DateTimeOffset> queue, DateTimeOffset now)
    {
        while (queue.Count > 0 && queue.Peek() + options.Value.SignInWindow <= now)
        {
            queue.Dequeue();
        }
    }

    private void Prune()
    {
        var now = time.GetUtcNow();
        foreach (var (key, queue) in _failures)
        {
            lock (queue)
            {
                Expire(queue, now);
                if (queue.Count == 0)
                {
                    _failures.TryRemove(key, out _);
                }
            }
        }
    }
}
