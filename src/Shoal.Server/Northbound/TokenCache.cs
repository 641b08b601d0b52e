using System.Collections.Concurrent;
using Shoal.Storage.Entities;

namespace Shoal.Server.Northbound;

/// <summary>
/// Remembers which application an access token belongs to, so that a northbound call costs no database
/// round trip to authenticate. Anything that can void a token (a login that replaces it, a logout, a secret
/// reset, a freeze, a deletion) calls <see cref="Forget"/> for the application, which voids every entry of it
/// at once on this node; other nodes sharing the database re-check within <see cref="Lifetime"/>.
/// </summary>
internal sealed class TokenCache(TimeProvider time)
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(10);
    private const int MaxEntries = 100_000;

    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, long> _generations = new(StringComparer.Ordinal);

    public Application? Find(string tokenHash, string appKey)
    {
        if (!_entries.TryGetValue(tokenHash, out var entry))
        {
            return null;
        }
        var fresh = entry.Until > time.GetUtcNow() && entry.Generation == Generation(entry.Application.Id);
        if (!fresh)
        {
            _entries.TryRemove(tokenHash, out _);
            return null;
        }
        return entry.Application.Id == appKey ? entry.Application : null;
    }

    /// <summary>Caches a token checked against the database, stamped with the generation read before the check.</summary>
    public void Remember(string tokenHash, Application application, DateTimeOffset tokenExpiresAt, long generation)
    {
        ArgumentNullException.ThrowIfNull(application);
        if (_entries.Count >= MaxEntries)
        {
            _entries.Clear();
        }
        var until = time.GetUtcNow() + Lifetime;
        _entries[tokenHash] = new Entry(application, until < tokenExpiresAt ? until : tokenExpiresAt, generation);
    }

    public long Generation(string applicationId) => _generations.GetValueOrDefault(applicationId);

    public void Forget(string applicationId) => _generations.AddOrUpdate(applicationId, 1, (_, current) => current + 1);

    private sealed record Entry(Application Application, DateTimeOffset Until, long Generation);
}
