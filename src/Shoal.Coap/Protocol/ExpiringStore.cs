namespace Shoal.Coap.Protocol;

/// <summary>
/// A bounded map whose items expire when unused for a lifetime; beyond the capacity the least recently used goes first.
/// Holds block-wise transfers in progress.
/// </summary>
internal sealed class ExpiringStore<TKey, TValue>(int capacity, TimeSpan lifetime, TimeProvider time)
    where TKey : notnull
    where TValue : class
{
    private readonly Lock _lock = new();
    private readonly Dictionary<TKey, LinkedListNode<Item>> _items = [];
    private readonly LinkedList<Item> _byLastUse = new();
    private readonly long _lifetime = (long)(lifetime.TotalSeconds * time.TimestampFrequency);

    private sealed class Item(TKey key, TValue value)
    {
        public TKey Key { get; } = key;
        public TValue Value { get; } = value;
        public long LastUsed { get; set; }
    }

    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _items.Count;
            }
        }
    }

    public bool TryGet(TKey key, out TValue value)
    {
        var now = time.GetTimestamp();
        lock (_lock)
        {
            if (_items.TryGetValue(key, out var node))
            {
                if (node.Value.LastUsed + _lifetime > now)
                {
                    node.Value.LastUsed = now;
                    _byLastUse.Remove(node);
                    _byLastUse.AddLast(node);
                    value = node.Value.Value;
                    return true;
                }

                _items.Remove(key);
                _byLastUse.Remove(node);
            }
        }

        value = null!;
        return false;
    }

    public void Set(TKey key, TValue value)
    {
        var now = time.GetTimestamp();
        lock (_lock)
        {
            if (_items.Remove(key, out var existing))
            {
                _byLastUse.Remove(existing);
            }

            while (_byLastUse.First is { } oldest && (oldest.Value.LastUsed + _lifetime <= now || _items.Count >= capacity))
            {
                _byLastUse.RemoveFirst();
                _items.Remove(oldest.Value.Key);
            }

            _items[key] = _byLastUse.AddLast(new Item(key, value) { LastUsed = now });
        }
    }

    public void Remove(TKey key)
    {
        lock (_lock)
        {
            if (_items.Remove(key, out var node))
            {
                _byLastUse.Remove(node);
            }
        }
    }
}
