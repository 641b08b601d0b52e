using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Shoal.Storage;

namespace Shoal.Gateway;

/// <summary>
/// Moves each device's "last seen" time as it sends, off the path of its messages: a device is noted at most once per
/// <see cref="GatewayOptions.LastSeenInterval"/>, and the notes are written together once per interval.
/// </summary>
internal sealed partial class LastSeenWriter(IServiceScopeFactory scopes, IOptions<GatewayOptions> options, ILogger<LastSeenWriter> logger) : BackgroundService
{
    private const int ChunkSize = 500;
    private ConcurrentDictionary<string, DateTimeOffset> _seen = new(StringComparer.Ordinal);

    /// <summary>An MQTT connection is noted at most once per interval; an HTTPS request, rarer, every time.</summary>
    public void Note(DeviceIdentity device, DateTimeOffset at)
    {
        if (device is not DeviceConnection connection || connection.TakeSeenNote(at, options.Value.LastSeenInterval))
        {
            _seen[device.DeviceId] = at;
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.LastSeenInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                await WriteAsync(stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        await WriteAsync(cancellationToken);
    }

    /// <summary>Writes the notes taken since the last write; a time already later (a disconnect since) is left as it is.</summary>
    public async Task WriteAsync(CancellationToken cancellationToken)
    {
        var seen = Interlocked.Exchange(ref _seen, new(StringComparer.Ordinal));
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<ShoalDb>();
            foreach (var group in seen.GroupBy(s => s.Value, s => s.Key))
            {
                foreach (var ids in group.Chunk(ChunkSize))
                {
                    var at = group.Key;
                    await db.Devices.Where(d => ids.Contains(d.Id) && (d.LastSeenAt == null || d.LastSeenAt < at))
                        .ExecuteUpdateAsync(u => u.SetProperty(d => d.LastSeenAt, at), cancellationToken);
                }
            }
        }
        catch (Exception error) when (error is not OperationCanceledException)
        {
            LogWriteFailed(logger, seen.Count, error);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Writing when {Count} devices were last seen failed; their next messages note them again.")]
    private static partial void LogWriteFailed(ILogger logger, int count, Exception error);
}
