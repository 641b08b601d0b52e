using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Shoal.Storage;

namespace Shoal.Gateway;

/// <summary>Raised on this node when a device is deleted or an application frozen or deleted, so its sessions end at once.</summary>
public sealed class SessionReviewSignal : Signal;

/// <summary>
/// Ends the live sessions of devices that may no longer connect: deleted, or in an application that was frozen or
/// deleted. Credentials are checked at CONNECT; this closes what was already open. It runs when this node raises
/// <see cref="SessionReviewSignal"/> and every <see cref="GatewayOptions.SessionReviewInterval"/>, which is how a change
/// made on another node reaches the sessions held here.
/// </summary>
internal sealed partial class SessionReview(
    SessionReviewSignal signal, DeviceSessions sessions, GatewayServer gateway, IServiceScopeFactory scopes, IOptions<GatewayOptions> options,
    ILogger<SessionReview> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                var next = signal.Next;
                try
                {
                    await RunOnceAsync(stoppingToken);
                }
                catch (Exception error) when (error is not OperationCanceledException)
                {
                    LogRunFailed(logger, error);
                }
                await Signal.WaitAsync(next, options.Value.SessionReviewInterval, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    public async Task RunOnceAsync(CancellationToken cancellationToken)
    {
        var live = sessions.Live();
        foreach (var chunk in live.Chunk(DeviceSessions.IdsPerQuery))
        {
            var ids = chunk.Select(c => c.DeviceId).ToList();
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<ShoalDb>();
            var allowed = (await db.Devices.AsNoTracking()
                .Where(d => ids.Contains(d.Id))
                .Join(db.Applications, d => d.ApplicationId, a => a.Id, (d, a) => new { d.Id, a.FrozenAt })
                .Where(d => d.FrozenAt == null)
                .Select(d => d.Id)
                .ToListAsync(cancellationToken)).ToHashSet(StringComparer.Ordinal);
            foreach (var connection in chunk.Where(c => !allowed.Contains(c.DeviceId)))
            {
                LogEnded(logger, connection.DeviceId);
                await gateway.DisconnectAsync(connection, "The device was deleted, or its application frozen or deleted.");
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Device {DeviceId} may no longer connect: its session is ended.")]
    private static partial void LogEnded(ILogger logger, string deviceId);

    [LoggerMessage(Level = LogLevel.Error, Message = "Reviewing the live device sessions failed; the next run tries again.")]
    private static partial void LogRunFailed(ILogger logger, Exception error);
}
