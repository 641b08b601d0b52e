using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Shoal.Storage;
using Shoal.Storage.Entities;

namespace Shoal.Delivery;

/// <summary>
/// Deletes delivered pushes with their attempts, and sent rule e-mails and SMS, once they are older than
/// <see cref="DeliveryOptions.DeliveredRetention"/>, so the outboxes and the delivery log stay bounded. Dead letters stay
/// until their owner replays them. Deletes in batches, each its own statement, so a large table is never locked by one
/// long transaction.
/// </summary>
internal sealed partial class OutboxRetentionWorker(
    IServiceScopeFactory scopes, IOptions<DeliveryOptions> options, TimeProvider time, ILogger<OutboxRetentionWorker> logger)
    : BackgroundService
{
    /// <summary>Deletes every delivered push and sent rule message past the retention; returns how many.</summary>
    public async Task<int> RunOnceAsync(CancellationToken cancellationToken)
    {
        var cutoff = time.GetUtcNow() - options.Value.DeliveredRetention;
        var batchSize = options.Value.RetentionBatchSize;
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ShoalDb>();
        var deleted = 0;
        List<long> batch;
        do
        {
            batch = await db.PushDeliveries
                .Where(d => d.State == PushDeliveryState.Delivered && d.FinishedAt < cutoff)
                .OrderBy(d => d.Id)
                .Select(d => d.Id)
                .Take(batchSize)
                .ToListAsync(cancellationToken);
            // Attempts first: a crash between the two statements leaves a delivery without its log, which the next run deletes.
            await db.PushAttempts.Where(a => batch.Contains(a.DeliveryId)).ExecuteDeleteAsync(cancellationToken);
            deleted += await db.PushDeliveries.Where(d => batch.Contains(d.Id)).ExecuteDeleteAsync(cancellationToken);
        }
        while (batch.Count == batchSize);
        int messages;
        do
        {
            var sent = db.RuleMessages.Where(m => m.State == RuleMessageState.Sent && m.FinishedAt < cutoff).OrderBy(m => m.Id).Select(m => m.Id).Take(batchSize);
            messages = await db.RuleMessages.Where(m => sent.Contains(m.Id)).ExecuteDeleteAsync(cancellationToken);
            deleted += messages;
        }
        while (messages == batchSize);
        if (deleted > 0)
        {
            LogDeleted(deleted);
        }
        return deleted;
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        PeriodicRounds.RunAsync(options.Value.RetentionInterval, time, RunOnceAsync, LogFailed, stoppingToken);

    [LoggerMessage(LogLevel.Information, "Deleted {Count} delivered pushes (with their attempts) and sent rule messages past their retention.")]
    private partial void LogDeleted(int count);

    [LoggerMessage(LogLevel.Warning, "Deleting delivered pushes and sent rule messages failed; retrying at the next interval.")]
    private partial void LogFailed(Exception exception);
}
