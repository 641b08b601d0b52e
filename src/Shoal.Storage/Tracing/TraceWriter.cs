using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Shoal.Storage.Tracing;

/// <summary>Inserts the recorder's records in batches, and refreshes the set of traced devices every few seconds.</summary>
public sealed partial class TraceWriter(TraceRecorder recorder, IServiceScopeFactory scopes, ILogger<TraceWriter> logger) : BackgroundService
{
    public const int BatchSize = 500;
    /// <summary>How often the traced devices are read again, for traces started or stopped on another node.</summary>
    public static readonly TimeSpan RefreshInterval = TimeSpan.FromSeconds(5);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var nextRefresh = DateTime.MinValue;
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                try
                {
                    // Real time, not the TimeProvider: this paces polling, it decides nothing.
                    if (DateTime.UtcNow >= nextRefresh)
                    {
                        await recorder.RefreshAsync(stoppingToken);
                        nextRefresh = DateTime.UtcNow + RefreshInterval;
                    }
                    while (await RunOnceAsync(stoppingToken) > 0)
                    {
                    }
                    await WaitForRecordsAsync(stoppingToken);
                }
                catch (Exception error) when (error is not OperationCanceledException)
                {
                    LogFailed(logger, error);
                    await Task.Delay(RefreshInterval, stoppingToken);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>Until records wait or the refresh is due, whichever comes first.</summary>
    private async Task WaitForRecordsAsync(CancellationToken stoppingToken)
    {
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        wait.CancelAfter(RefreshInterval);
        try
        {
            await recorder.Records.WaitToReadAsync(wait.Token);
        }
        catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>Writes one batch of waiting records; returns how many.</summary>
    public async Task<int> RunOnceAsync(CancellationToken cancellationToken)
    {
        var batch = new List<Entities.TraceRecord>();
        while (batch.Count < BatchSize && recorder.Records.TryRead(out var record))
        {
            batch.Add(record);
        }
        if (batch.Count == 0)
        {
            return 0;
        }
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ShoalDb>();
        db.TraceRecords.AddRange(batch);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (Microsoft.EntityFrameworkCore.DbUpdateException error)
        {
            // A trace deleted with its application a moment ago: its records have nowhere to go.
            LogNotWritten(logger, batch.Count, error);
        }
        recorder.Signal();
        return batch.Count;
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Writing trace records failed; trying again.")]
    private static partial void LogFailed(ILogger logger, Exception error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Count} trace records could not be written and were dropped.")]
    private static partial void LogNotWritten(ILogger logger, int count, Exception error);
}
