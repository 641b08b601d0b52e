using System.Threading.Channels;
using Shoal.Storage.Entities;

namespace Shoal.Server.Live;

/// <summary>One event as the live view shows it; <see cref="Data"/> is the event's JSON as the event log holds it.</summary>
public sealed record LiveEvent(long Id, string Type, string? DeviceId, string? DeviceName, DateTimeOffset Time, string Data);

/// <summary>What a watcher asked to see: one application, optionally one device, some types.</summary>
public sealed record LiveFilter(string ApplicationId, string? DeviceId, IReadOnlySet<string> Types);

/// <summary>
/// The people watching devices live, each with a bounded queue that <see cref="LiveFeedWorker"/> fills from the event
/// log. A watcher too slow to keep up loses events rather than holding memory: the next thing it reads is a gap that
/// counts them.
/// </summary>
internal sealed class LiveFeed
{
    /// <summary>Events held for one watcher before the next ones are dropped.</summary>
    public const int WatcherCapacity = 500;

    public const string Gap = "gap";

    /// <summary>The event log's types the live view shows, by the names it shows them under.</summary>
    public static readonly IReadOnlyDictionary<DeviceEventType, string> Types = new Dictionary<DeviceEventType, string>
    {
        [DeviceEventType.PropertiesReported] = "report",
        [DeviceEventType.MessageUp] = "message",
        [DeviceEventType.EventReported] = "event",
        [DeviceEventType.StatusChanged] = "status",
        [DeviceEventType.CommandStateChanged] = "command",
    };

    private readonly Lock _lock = new();
    private readonly HashSet<Watcher> _watchers = [];
    private TaskCompletionSource _arrived = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes when someone is watching: the worker reads nothing until then.</summary>
    public Task Watched
    {
        get
        {
            lock (_lock)
            {
                return _watchers.Count > 0 ? Task.CompletedTask : _arrived.Task;
            }
        }
    }

    /// <summary>Starts watching the events after <paramref name="after"/>, until the watcher is disposed.</summary>
    public Watcher Watch(LiveFilter filter, long after)
    {
        var watcher = new Watcher(this, filter, after);
        lock (_lock)
        {
            _watchers.Add(watcher);
            _arrived.TrySetResult();
        }
        return watcher;
    }

    public IReadOnlyList<Watcher> Watchers()
    {
        lock (_lock)
        {
            return [.. _watchers];
        }
    }

    private void Leave(Watcher watcher)
    {
        lock (_lock)
        {
            if (_watchers.Remove(watcher) && _watchers.Count == 0)
            {
                _arrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }
        }
    }

    internal sealed class Watcher(LiveFeed feed, LiveFilter filter, long after) : IDisposable
    {
        // One slot more than the events it holds, so that a gap always fits ahead of the next event.
        private readonly Channel<LiveEvent> _queue = Channel.CreateBounded<LiveEvent>(
            new BoundedChannelOptions(WatcherCapacity + 1) { SingleReader = true, SingleWriter = true });

        private int _dropped;

        public LiveFilter Filter => filter;

        /// <summary>The last event ID before the watcher came: it sees only later ones.</summary>
        public long After => after;

        public ChannelReader<LiveEvent> Events => _queue.Reader;

        /// <summary>Queues the event if the watcher wants it; called by the worker alone, in event order.</summary>
        public void Offer(LiveEvent live, string applicationId, DateTimeOffset now)
        {
            if (live.Id <= after || applicationId != filter.ApplicationId || !filter.Types.Contains(live.Type)
                || (filter.DeviceId is not null && filter.DeviceId != live.DeviceId))
            {
                return;
            }
            if (_queue.Reader.Count >= WatcherCapacity)
            {
                _dropped++;
                return;
            }
            if (_dropped > 0)
            {
                _queue.Writer.TryWrite(new LiveEvent(0, Gap, null, null, now, $$"""{"dropped":{{_dropped}}}"""));
                _dropped = 0;
            }
            _queue.Writer.TryWrite(live);
        }

        public void Dispose()
        {
            feed.Leave(this);
            _queue.Writer.TryComplete();
        }
    }
}
