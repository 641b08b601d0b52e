using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Shoal.Storage;
using Shoal.Storage.Entities;
using Shoal.Storage.Tracing;

namespace Shoal.Server.Tracing;

/// <summary>
/// Deletes trace records past the retention (at most 72 hours) in batches, and stops the running traces of applications
/// whose Custom tracing authorization has run out. Trace sessions stay: the owner sees every trace ever started.
/// </summary>
internal sealed partial class TraceRetentionWorker(
    IServiceScopeFactory scopes, TraceRecorder recorder, IOptions<TracingOptions> options, TimeProvider time, ILogger<TraceRetentionWorker> logger)
    : BackgroundService
{
    /// <summary>One round; returns how many records it deleted.</summary>
    public async Task<int> RunOnceAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ShoalDb>();
        await StopLapsedAsync(scope.ServiceProvider, db, now, cancellationToken);

        var settings = await db.PlatformSettings.AsNoTracking().SingleOrDefaultAsync(cancellationToken) ?? new PlatformSettings();
        var hours = Math.Min(settings.TraceRetentionHours, PlatformSettings.TraceRetentionHoursCeiling);
        var cutoff = now.AddHours(-hours);
        var batchSize = options.Value.RetentionBatchSize;
        var deleted = 0;
        int batch;
        do
        {
            var expired = db.TraceRecords.Where(r => r.RecordedAt < cutoff).OrderBy(r => r.Id).Take(batchSize).Select(r => r.Id);
            batch = await db.TraceRecords.Where(r => expired.Contains(r.Id)).ExecuteDeleteAsync(cancellationToken);
            deleted += batch;
        }
        while (batch == batchSize);
        if (deleted > 0)
        {
            LogDeleted(deleted, hours);
        }
        return deleted;
    }

    private async Task StopLapsedAsync(IServiceProvider services, ShoalDb db, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var lapsed = await db.Applications
            .Where(a => a.Tracing == TracingAuthorization.Custom && a.TracingUntil <= now)
            .Where(a => db.TraceSessions.Any(s => s.ApplicationId == a.Id && s.StoppedAt == null && s.EndsAt > a.TracingUntil))
            .ToListAsync(cancellationToken);
        if (lapsed.Count == 0)
        {
            return;
        }
        var sessions = services.GetRequiredService<TraceSessions>();
        foreach (var application in lapsed)
        {
            await sessions.WithdrawAsync(application, now, cancellationToken);
        }
        await db.SaveChangesAsync(cancellationToken);
        await recorder.RefreshAsync(cancellationToken);
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        PeriodicRounds.RunAsync(options.Value.RetentionInterval, time, RunOnceAsync, LogFailed, stoppingToken);

    [LoggerMessage(LogLevel.Information, "Deleted {Count} trace records older than {Hours} hours.")]
    private partial void LogDeleted(int count, int hours);

    [LoggerMessage(LogLevel.Warning, "Deleting expired trace records failed; retrying at the next interval.")]
    private partial void LogFailed(Exception exception);
}
