using Shoal.Coap.Transport;

namespace Shoal.Coap.Protocol;

/// <summary>A message from one peer: the key of deduplication and of outgoing exchanges.</summary>
internal readonly record struct MessageKey(CoapPeer Peer, ushort MessageId);

/// <summary>
/// The (peer, message ID) pairs seen within the exchange lifetime, each with the bytes it was answered with once
/// answered (RFC 7252 §4.5). Bounded: beyond the capacity the oldest is forgotten first.
/// </summary>
internal sealed class MessageDeduplicator(int capacity, TimeSpan lifetime, TimeProvider time)
{
    private readonly Lock _lock = new();
    private readonly Dictionary<MessageKey, Entry> _entries = [];
    private readonly Queue<Entry> _order = new();
    private readonly long _lifetime = (long)(lifetime.TotalSeconds * time.TimestampFrequency);

    /// <summary>One remembered message; <see cref="Response"/> is null while it is being handled.</summary>
    internal sealed class Entry(MessageKey key, long expires)
    {
        public MessageKey Key { get; } = key;
        public long Expires { get; } = expires;
        public byte[]? Response { get; set; }
    }

    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _entries.Count;
            }
        }
    }

    /// <summary>The entry of a message seen within its lifetime, or null.</summary>
    public Entry? Find(MessageKey key)
    {
        lock (_lock)
        {
            if (_entries.TryGetValue(key, out var entry) && entry.Expires > time.GetTimestamp())
            {
                return entry;
            }

            return null;
        }
    }

    /// <summary>Remembers a message, answered already when <paramref name="response"/> is given.</summary>
    public Entry Add(MessageKey key, byte[]? response = null)
    {
        var now = time.GetTimestamp();
        var entry = new Entry(key, now + _lifetime) { Response = response };
        lock (_lock)
        {
            while (_order.TryPeek(out var oldest) && (oldest.Expires <= now || _entries.Count >= capacity))
            {
                _order.Dequeue();
                if (_entries.TryGetValue(oldest.Key, out var current) && ReferenceEquals(current, oldest))
                {
                    _entries.Remove(oldest.Key);
                }
            }

            _entries[key] = entry;
            _order.Enqueue(entry);
        }

        return entry;
    }

    public void Complete(Entry entry, byte[] response)
    {
        lock (_lock)
        {
            entry.Response = response;
        }
    }

    /// <summary>Forgets a message that was not handled after all, so that its retransmission is.</summary>
    public void Remove(Entry entry)
    {
        lock (_lock)
        {
            if (_entries.TryGetValue(entry.Key, out var current) && ReferenceEquals(current, entry))
            {
                _entries.Remove(entry.Key);
            }
        }
    }
}
