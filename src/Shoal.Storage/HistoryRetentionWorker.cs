using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Shoal.Storage;

/// <summary>
/// Deletes device history older than its application's storage duration, and all history of an application whose
/// data management is off. Deletes in batches, each its own statement, so a large table is never locked by one long transaction.
/// </summary>
internal sealed partial class HistoryRetentionWorker(
    IServiceScopeFactory scopes, IOptions<StorageOptions> options, TimeProvider time, ILogger<HistoryRetentionWorker> logger)
    : BackgroundService
{
    public async Task<int> RunOnceAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var deleted = 0;
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ShoalDb>();
        var applications = await db.Applications.AsNoTracking()
            .Select(a => new { a.Id, a.DataManagement, a.StorageDays })
            .ToListAsync(cancellationToken);
        foreach (var application in applications)
        {
            var expired = db.DeviceDataPoints.Where(p => p.ApplicationId == application.Id);
            if (application.DataManagement)
            {
                var cutoff = now.AddDays(-application.StorageDays);
                expired = expired.Where(p => p.EventTime < cutoff);
            }
            deleted += await DeleteInBatchesAsync(expired, cancellationToken);
        }
        if (deleted > 0)
        {
            LogDeleted(deleted);
        }
        return deleted;
    }

    private async Task<int> DeleteInBatchesAsync(IQueryable<Entities.DeviceDataPoint> expired, CancellationToken cancellationToken)
    {
        var batchSize = options.Value.HistoryRetentionBatchSize;
        var deleted = 0;
        int batch;
        do
        {
            batch = await expired.OrderBy(p => p.EventTime).Take(batchSize).ExecuteDeleteAsync(cancellationToken);
            deleted += batch;
        }
        while (batch == batchSize);
        return deleted;
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        PeriodicRounds.RunAsync(options.Value.HistoryRetentionInterval, time, RunOnceAsync, LogFailed, stoppingToken);

    [LoggerMessage(LogLevel.Information, "Deleted {Count} device history rows past their application's storage duration.")]
    private partial void LogDeleted(int count);

    [LoggerMessage(LogLevel.Warning, "Deleting expired device history failed; retrying at the next interval.")]
    private partial void LogFailed(Exception exception);
}
