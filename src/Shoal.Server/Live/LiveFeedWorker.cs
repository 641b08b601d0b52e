using Microsoft.EntityFrameworkCore;
using Shoal.Storage;

namespace Shoal.Server.Live;

/// <summary>
/// Follows the device event log while someone watches, and hands each new event to the watchers who want it. It reads
/// the shared log, so a watcher sees the events of every node; and it reads nothing while nobody watches, so ingest
/// pays nothing for the live view.
/// </summary>
internal sealed partial class LiveFeedWorker(IServiceScopeFactory scopes, LiveFeed feed, EventLogSignal signal, TimeProvider time,
    ILogger<LiveFeedWorker> logger) : BackgroundService
{
    /// <summary>How often the log is looked at for events this node's signal says nothing of (other nodes, commands).</summary>
    public static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(250);

    private const int BatchSize = 500;

    private long? _cursor;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (true)
            {
                if (!feed.Watched.IsCompleted)
                {
                    _cursor = null;
                    await feed.Watched.WaitAsync(stoppingToken);
                }
                var wake = signal.Next;
                try
                {
                    while (await RunOnceAsync(stoppingToken) > 0)
                    {
                    }
                }
                catch (Exception error) when (error is not OperationCanceledException)
                {
                    LogRoundFailed(logger, error);
                }
                await Signal.WaitAsync(wake, PollInterval, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>Hands out one batch of new events; returns how many it read.</summary>
    public async Task<int> RunOnceAsync(CancellationToken cancellationToken)
    {
        var watchers = feed.Watchers();
        if (watchers.Count == 0)
        {
            return 0;
        }
        var from = _cursor ?? watchers.Min(w => w.After);
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ShoalDb>();
        if (await db.NextBatchEndAsync(from, BatchSize, cancellationToken) is not { } to)
        {
            _cursor = from;
            return 0;
        }
        var applications = watchers.Select(w => w.Filter.ApplicationId).Distinct().ToList();
        var types = LiveFeed.Types.Keys.ToList();
        var events = await db.DeviceEvents.AsNoTracking()
            .Where(e => e.Id > from && e.Id <= to && applications.Contains(e.ApplicationId) && types.Contains(e.Type))
            .OrderBy(e => e.Id)
            .ToListAsync(cancellationToken);
        var deviceIds = events.Select(e => e.DeviceId).Distinct().ToList();
        var names = deviceIds.Count == 0
            ? []
            : await db.Devices.AsNoTracking().Where(d => deviceIds.Contains(d.Id)).Select(d => new { d.Id, d.Name })
                .ToDictionaryAsync(d => d.Id, d => d.Name, cancellationToken);
        _cursor = to;
        var now = time.GetUtcNow();
        // Taken again after the read, so a watcher that came while it ran sees the events committed since it came.
        watchers = feed.Watchers();
        foreach (var stored in events)
        {
            var live = new LiveEvent(stored.Id, LiveFeed.Types[stored.Type], stored.DeviceId, names.GetValueOrDefault(stored.DeviceId), stored.CreatedAt,
                stored.Payload);
            foreach (var watcher in watchers)
            {
                watcher.Offer(live, stored.ApplicationId, now);
            }
        }
        return (int)(to - from);
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "A round of the live view failed; it is retried.")]
    private static partial void LogRoundFailed(ILogger logger, Exception error);
}
