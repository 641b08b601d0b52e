using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Threading.Channels;

namespace Shoal.Storage;

/// <summary>What a committed change voids in the caches of every node.</summary>
public enum ChangeKind
{
    /// <summary>An application's standing: a freeze or thaw, its settings, its deletion. Key: application ID.</summary>
    Application = 'A',

    /// <summary>The NA access tokens of an application: a login, a logout, a secret reset. Key: application ID.</summary>
    ApplicationTokens = 'T',

    /// <summary>A device's registration: its secret, its details, its deletion. Key: device ID.</summary>
    Device = 'D',

    /// <summary>What a device last did: its status and its latest values. Key: device ID.</summary>
    DeviceState = 'S',

    /// <summary>Which devices an application has: a registration or a deletion. Key: application ID.</summary>
    DeviceList = 'L',
}

/// <summary>One committed change; a null key means anything of any kind may have changed.</summary>
public readonly record struct Change(ChangeKind Kind, string? Key)
{
    public static readonly Change Anything = new(default, null);
}

/// <summary>
/// Tells the caches of this node, and through PostgreSQL those of every other node, that something they may hold was
/// changed. Writers publish after their commit; a cache remembers only what it read after the last change to it.
/// </summary>
public sealed class Changes
{
    /// <summary>How many changes may wait for the relay to other nodes; past it the oldest are dropped, and caches' own lifetimes bound the harm.</summary>
    private const int RelayBacklog = 100_000;

    private ImmutableArray<Action<Change>> _handlers = [];
    private readonly Channel<Change>? _relay;

    public Changes(bool relayed)
    {
        _relay = relayed
            ? Channel.CreateBounded<Change>(new BoundedChannelOptions(RelayBacklog) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true })
            : null;
    }

    /// <summary>Calls <paramref name="handler"/> with every change, from any thread; it must be quick and must not throw.</summary>
    public void Subscribe(Action<Change> handler) => ImmutableInterlocked.Update(ref _handlers, handlers => handlers.Add(handler));

    public void Publish(ChangeKind kind, string key)
    {
        var change = new Change(kind, key);
        Apply(change);
        _relay?.Writer.TryWrite(change);
    }

    public void Publish(ChangeKind kind, IEnumerable<string> keys)
    {
        ArgumentNullException.ThrowIfNull(keys);
        foreach (var key in keys)
        {
            Publish(kind, key);
        }
    }

    /// <summary>Applies a change on this node only: one another node made, or <see cref="Change.Anything"/>.</summary>
    internal void Apply(Change change)
    {
        foreach (var handler in _handlers)
        {
            handler(change);
        }
    }

    internal ChannelReader<Change> Relayed => _relay?.Reader ?? throw new InvalidOperationException("Changes are not relayed on this node.");
}

/// <summary>
/// A bounded map of values read from the database, each valid until a change voids its key, or until its lifetime ends
/// (the bound for a change that reached this node late or never). A reader takes a <see cref="Stamp"/> before it
/// reads, so that a change committed during the read voids what it read. Keys share 65,536 stripes: a change voids
/// every entry of its stripe, which costs a few extra reads and never a stale value.
/// </summary>
public sealed class ChangeCache<TValue>(TimeProvider time, TimeSpan lifetime, int capacity)
{
    private const int StripeCount = 1 << 16;

    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly long[] _stripes = new long[StripeCount];
    private long _everything;

    public bool TryGet(string key, out TValue value)
    {
        if (_entries.TryGetValue(key, out var entry) && entry.Until > time.GetUtcNow() && entry.Stamp == Stamp(entry.VoidedBy))
        {
            value = entry.Value;
            return true;
        }
        value = default!;
        return false;
    }

    /// <summary>What <see cref="Set"/> needs to know that nothing voided <paramref name="voidedBy"/> since.</summary>
    public long Stamp(string voidedBy) => Volatile.Read(ref _stripes[Stripe(voidedBy)]) + Volatile.Read(ref _everything);

    /// <summary>Keeps <paramref name="value"/>, read after <paramref name="stamp"/> was taken, until a change voids <paramref name="voidedBy"/>.</summary>
    public void Set(string key, TValue value, string voidedBy, long stamp, DateTimeOffset? until = null)
    {
        if (stamp != Stamp(voidedBy))
        {
            return;
        }
        if (_entries.Count >= capacity)
        {
            _entries.Clear();
        }
        var end = time.GetUtcNow() + lifetime;
        _entries[key] = new Entry(value, voidedBy, stamp, until < end ? until.Value : end);
    }

    public void Void(string key) => Interlocked.Increment(ref _stripes[Stripe(key)]);

    /// <summary>From now on, each change of <paramref name="kinds"/> voids its key, and a change of anything voids everything.</summary>
    public ChangeCache<TValue> VoidedBy(Changes changes, params ChangeKind[] kinds)
    {
        ArgumentNullException.ThrowIfNull(changes);
        changes.Subscribe(change =>
        {
            if (change.Key is null)
            {
                VoidAll();
            }
            else if (kinds.Contains(change.Kind))
            {
                Void(change.Key);
            }
        });
        return this;
    }

    public void VoidAll() => Interlocked.Increment(ref _everything);

    private static int Stripe(string key) => (int)((uint)StringComparer.Ordinal.GetHashCode(key) % StripeCount);

    private sealed record Entry(TValue Value, string VoidedBy, long Stamp, DateTimeOffset Until);
}
