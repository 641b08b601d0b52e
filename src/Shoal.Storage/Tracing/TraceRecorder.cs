using System.Collections.Concurrent;
using System.Globalization;
using System.Threading.Channels;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Shoal.Storage.Entities;

namespace Shoal.Storage.Tracing;

/// <summary>
/// Takes trace records from the gateway and delivery. An untraced device costs one dictionary lookup: the set of traced
/// devices is rebuilt whenever a trace starts or stops and every few seconds from the database. A traced device's records
/// go to a bounded channel that <see cref="TraceWriter"/> inserts in batches, so no device ever waits on a trace write.
/// </summary>
public sealed partial class TraceRecorder(IServiceScopeFactory scopes, TimeProvider time, ILogger<TraceRecorder> logger) : IDisposable
{
    /// <summary>Records waiting for the writer; beyond this many, records are dropped rather than slow a device down.</summary>
    public const int Capacity = 10_000;
    private const int MaxLinks = 10_000;

    private readonly Channel<TraceRecord> _records = Channel.CreateBounded<TraceRecord>(
        new BoundedChannelOptions(Capacity) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true });
    private readonly string _node = time.GetUtcNow().ToUnixTimeSeconds().ToString("x", CultureInfo.InvariantCulture);
    private readonly SemaphoreSlim _refreshing = new(1, 1);
    private readonly ConcurrentDictionary<long, string> _eventSerials = new();
    private readonly ConcurrentDictionary<string, (string DeviceId, long EventId)> _pushes = new();
    private Dictionary<string, TracedBy[]> _traced = [];
    private long _serial;
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>A running trace of a device, recording until <paramref name="Until"/>: its end or the consent's, whichever comes first.</summary>
    private sealed record TracedBy(string SessionId, DateTimeOffset Until);

    internal ChannelReader<TraceRecord> Records => _records.Reader;

    /// <summary>Completes the next time records are written or a trace starts or stops.</summary>
    public Task Changed => Volatile.Read(ref _changed).Task;

    public bool IsTraced(string? deviceId) => deviceId is not null && Volatile.Read(ref _traced).ContainsKey(deviceId);

    /// <summary>A serial for a new flow; one per node, counting up.</summary>
    public string NewSerial() => $"{_node}-{Interlocked.Increment(ref _serial)}";

    /// <summary>Rebuilds the set of traced devices from the running traces whose application's consent is valid now.</summary>
    public async Task RefreshAsync(CancellationToken cancellationToken)
    {
        await _refreshing.WaitAsync(cancellationToken);
        try
        {
            var now = time.GetUtcNow();
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<ShoalDb>();
            var running = await db.TraceSessions.AsNoTracking()
                .Where(s => s.StoppedAt == null && s.EndsAt > now)
                .Join(db.Applications.Where(TraceConsent.ValidAt(now)), s => s.ApplicationId, a => a.Id,
                    (s, a) => new { s.Id, s.DeviceIds, s.EndsAt, a.Tracing, a.TracingUntil })
                .ToListAsync(cancellationToken);
            var traced = running
                .SelectMany(s => s.DeviceIds.Select(d => (DeviceId: d, By: new TracedBy(s.Id, Min(s.EndsAt, TraceConsent.EndsAt(s.Tracing, s.TracingUntil))))))
                .GroupBy(t => t.DeviceId)
                .ToDictionary(g => g.Key, g => g.Select(t => t.By).ToArray());
            Volatile.Write(ref _traced, traced);
        }
        finally
        {
            _refreshing.Release();
        }
        Signal();
    }

    internal void Signal() => Interlocked.Exchange(ref _changed, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;

    /// <summary>Adds one step of a traced device to each of its running traces; does nothing for an untraced device.</summary>
    public void Record(string deviceId, string serial, TraceStep step, bool succeeded, string detail, TraceFailure? failure = null, TraceExtra? extra = null)
    {
        if (!Volatile.Read(ref _traced).TryGetValue(deviceId, out var traces))
        {
            return;
        }
        var now = time.GetUtcNow();
        foreach (var trace in traces)
        {
            if (trace.Until <= now)
            {
                continue;
            }
            var record = new TraceRecord
            {
                SessionId = trace.SessionId,
                DeviceId = deviceId,
                Serial = serial,
                Step = step,
                Succeeded = succeeded,
                Detail = Truncate(detail, 1024)!,
                Reason = Truncate(failure?.Reason, 1024),
                Hint = Truncate(failure?.Hint, 1024),
                Topic = Truncate(extra?.Topic, 256),
                Size = extra?.Size,
                Url = Truncate(extra?.Url, 1024),
                StatusCode = extra?.StatusCode,
                LatencyMs = extra?.LatencyMs,
                RecordedAt = now,
            };
            if (!_records.Writer.TryWrite(record))
            {
                LogDropped(logger, deviceId);
            }
        }
    }

    /// <summary>Ties the device event a traced flow was stored as to the flow, so its pushes and rule firings carry its serial.</summary>
    public void Stored(string deviceId, string serial, long? eventId)
    {
        if (eventId is { } id && IsTraced(deviceId))
        {
            Remember(_eventSerials, id, serial);
        }
    }

    /// <summary>The serial of the flow a device event belongs to: the stored message's, or one made from the event.</summary>
    public string SerialOf(long eventId) => _eventSerials.TryGetValue(eventId, out var serial) ? serial : $"event-{eventId}";

    /// <summary>Remembers which device and event a push of a traced device was made from.</summary>
    public void PushQueued(string deviceId, long eventId, string webhookId)
    {
        if (IsTraced(deviceId))
        {
            Remember(_pushes, webhookId, (deviceId, eventId));
        }
    }

    /// <summary>
    /// The device and serial of a push of a traced device; false for all others. The serial is looked up now, at the
    /// attempt, by when the gateway has long tied the event to its flow.
    /// </summary>
    public bool TryGetPush(string webhookId, out string deviceId, out string serial)
    {
        if (!_pushes.TryGetValue(webhookId, out var push))
        {
            (deviceId, serial) = ("", "");
            return false;
        }
        (deviceId, serial) = (push.DeviceId, SerialOf(push.EventId));
        return true;
    }

    /// <summary>The links only matter for moments; a bounded map keeps a busy traced device from growing it for ever.</summary>
    private static void Remember<TKey, TValue>(ConcurrentDictionary<TKey, TValue> links, TKey key, TValue value)
        where TKey : notnull
    {
        if (links.Count >= MaxLinks)
        {
            links.Clear();
        }
        links[key] = value;
    }

    public void Dispose() => _refreshing.Dispose();

    private static string? Truncate(string? text, int length) => text is { } t && t.Length > length ? t[..length] : text;

    [LoggerMessage(Level = LogLevel.Warning, Message = "A trace record of device {DeviceId} was dropped: the trace writer is behind.")]
    private static partial void LogDropped(ILogger logger, string deviceId);
}

/// <summary>Why a step failed, in plain words, and what to check.</summary>
public sealed record TraceFailure(string Reason, string Hint);

/// <summary>What a step carries beyond its detail.</summary>
public sealed record TraceExtra(string? Topic = null, int? Size = null, string? Url = null, int? StatusCode = null, int? LatencyMs = null);
