using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace Shoal.Server.Accounts;

/// <summary>
/// Counts failed sign-ins per key (an account or application from one address, an address) in a sliding window and
/// says how long a key must wait once it has failed too often. Kept in memory: each node limits on its own.
/// </summary>
internal sealed class SignInThrottle(IOptions<AccountOptions> options, TimeProvider time)
{
    /// <summary>How many times its per-address limit an identity may fail, from all addresses together, before it is under attack.</summary>
    public const int BackstopFactor = 10;

    private const int MaxTrackedKeys = 100_000;

    /// <summary>
    /// How long <paramref name="address"/> must wait before it tries <paramref name="identity"/> (an account, an
    /// application) again, or null if it may now. Failures count per identity and address, so whoever knows an
    /// identity and fails from one address cannot lock its owner out at another. Across addresses they are a
    /// backstop that slows rather than locks: once the identity has failed <see cref="BackstopFactor"/> times the
    /// limit in the window, an address is stopped after its first failure for it, while an address that has not
    /// failed (the owner's) still gets through.
    /// </summary>
    public TimeSpan? RetryAfter(string identity, string? address, int perAddressLimit)
    {
        var underAttack = RetryAfter(identity, perAddressLimit * BackstopFactor) is not null;
        return RetryAfter(Pair(identity, address), underAttack ? 1 : perAddressLimit);
    }

    public void Fail(string identity, string? address)
    {
        Fail(Pair(identity, address));
        Fail(identity);
    }

    public void Succeed(string identity, string? address) => Succeed(Pair(identity, address));

    private static string Pair(string identity, string? address) => $"{identity}|from:{address ?? "unknown"}";
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
