using Shoal.Storage;

namespace Shoal.Server.Devices;

/// <summary>Removes device registrations that were never activated within their timeout.</summary>
internal sealed partial class RegistrationExpiryWorker(IServiceScopeFactory scopes, TimeProvider time, ILogger<RegistrationExpiryWorker> logger)
    : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(30);
    private const int BatchSize = 500;

    public async Task<int> RunOnceAsync(CancellationToken cancellationToken)
    {
        var removed = 0;
        int batch;
        do
        {
            await using var scope = scopes.CreateAsyncScope();
            batch = await scope.ServiceProvider.GetRequiredService<DeviceRegistry>().RemoveExpiredRegistrationsAsync(BatchSize, cancellationToken);
            removed += batch;
        }
        while (batch == BatchSize);
        if (removed > 0)
        {
            LogRemoved(removed);
        }
        return removed;
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        PeriodicRounds.RunAsync(Interval, time, RunOnceAsync, LogFailed, stoppingToken);

    [LoggerMessage(LogLevel.Information, "Removed {Count} device registrations that were not activated within their timeout.")]
    private partial void LogRemoved(int count);

    [LoggerMessage(LogLevel.Warning, "Removing expired device registrations failed; retrying at the next interval.")]
    private partial void LogFailed(Exception exception);
}
