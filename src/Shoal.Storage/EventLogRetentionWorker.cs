using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Shoal.Storage;

/// <summary>
/// Deletes device events that every follower of the log (pushes and rules) has passed and that are older than
/// <see cref="StorageOptions.EventLogRetention"/>, so that the log stays bounded at any ingest rate. An event a follower
/// has not read yet is never deleted, however old. Deletes in batches, each its own statement.
/// </summary>
internal sealed partial class EventLogRetentionWorker(
    IServiceScopeFactory scopes, IOptions<StorageOptions> options, TimeProvider time, ILogger<EventLogRetentionWorker> logger)
    : BackgroundService
{
    /// <summary>Deletes every event past the retention that both followers have read; returns how many.</summary>
    public async Task<int> RunOnceAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ShoalDb>();
        // A follower without a cursor row has read nothing yet.
        var pushed = await db.PushCursors.Select(c => (long?)c.LastEventId).MaxAsync(cancellationToken) ?? 0;
        var evaluated = await db.RuleCursors.Select(c => (long?)c.LastEventId).MaxAsync(cancellationToken) ?? 0;
        var passed = Math.Min(pushed, evaluated);
        var cutoff = time.GetUtcNow() - options.Value.EventLogRetention;
        var batchSize = options.Value.EventLogRetentionBatchSize;
        var deleted = 0;
        int batch;
        do
        {
            var ids = db.DeviceEvents.Where(e => e.Id <= passed && e.CreatedAt < cutoff).OrderBy(e => e.Id).Select(e => e.Id).Take(batchSize);
            batch = await db.DeviceEvents.Where(e => ids.Contains(e.Id)).ExecuteDeleteAsync(cancellationToken);
            deleted += batch;
        }
        while (batch == batchSize);
        if (deleted > 0)
        {
            LogDeleted(deleted);
        }
        return deleted;
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        PeriodicRounds.RunAsync(options.Value.EventLogRetentionInterval, time, RunOnceAsync, LogFailed, stoppingToken);

    [LoggerMessage(LogLevel.Information, "Deleted {Count} device events that every follower has passed.")]
    private partial void LogDeleted(int count);

    [LoggerMessage(LogLevel.Warning, "Deleting passed device events failed; retrying at the next interval.")]
    private partial void LogFailed(Exception exception);
}
