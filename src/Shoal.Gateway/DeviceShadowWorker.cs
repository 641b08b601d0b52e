using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Shoal.Storage;
using Shoal.Storage.Entities;

namespace Shoal.Gateway;

/// <summary>
/// Brings the devices connected to this node to their desired values. For each device it publishes one properties set
/// holding, per service, only the desired properties the device's last report does not hold. A connection is sent each
/// version of a service's desired values once; a new connection is sent them again, until the device accepts them (a
/// properties set answer with result code 0) or reports them. It runs when woken (<see cref="DeviceShadowSignal"/>:
/// desired values stored on this node, a device connecting) and every <see cref="GatewayOptions.ShadowPollInterval"/>,
/// for desired values stored on another node.
/// </summary>
internal sealed partial class DeviceShadowWorker(
    DeviceShadowSignal signal, DeviceSessions sessions, DeviceRequests requests, IServiceScopeFactory scopes,
    IOptions<GatewayOptions> options, TimeProvider time, ILogger<DeviceShadowWorker> logger) : BackgroundService
{
    private readonly SemaphoreSlim _running = new(1, 1);
    /// <summary>The version of each service's desired values already sent on a connection; forgotten with the connection.</summary>
    private readonly ConditionalWeakTable<DeviceConnection, Dictionary<string, long>> _sent = [];

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                // The gathering window is counted on the system clock: a few milliseconds of batching, not a deadline.
                var devices = await signal.WaitAsync(
                    options.Value.ShadowPollInterval, time, options.Value.ConnectGathering, TimeProvider.System, stoppingToken);
                try
                {
                    await RunOnceAsync(stoppingToken, devices);
                }
                catch (Exception error) when (error is not OperationCanceledException)
                {
                    LogRunFailed(logger, error);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    public override void Dispose()
    {
        _running.Dispose();
        base.Dispose();
    }

    /// <summary>Sends the devices listening on this node what they hold differently from their desired values; with <paramref name="devices"/>, only these.</summary>
    public async Task RunOnceAsync(CancellationToken cancellationToken, IReadOnlySet<string>? devices = null)
    {
        await _running.WaitAsync(cancellationToken);
        try
        {
            // Desired values go out as MQTT properties-set requests: devices reached another way are left out.
            var connections = (devices is null ? sessions.ReceivingDownlink() : sessions.ReceivingDownlink(devices)).Where(c => c.Downlink is null);
            foreach (var chunk in connections.Chunk(DeviceSessions.IdsPerQuery))
            {
                await PublishDifferencesAsync(chunk, cancellationToken);
            }
        }
        finally
        {
            _running.Release();
        }
    }

    private async Task PublishDifferencesAsync(DeviceConnection[] connections, CancellationToken cancellationToken)
    {
        var listening = connections.Select(c => c.DeviceId).ToList();
        List<DeviceDesiredState> unaccepted;
        Dictionary<(string DeviceId, string ServiceId), string> reported;
        await using (var scope = scopes.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<ShoalDb>();
            unaccepted = await db.DeviceDesiredStates.AsNoTracking()
                .Where(d => listening.Contains(d.DeviceId) && d.AcceptedVersion < d.Version)
                .ToListAsync(cancellationToken);
            if (unaccepted.Count == 0)
            {
                return;
            }
            var wanting = unaccepted.Select(d => d.DeviceId).Distinct().ToList();
            reported = await db.DeviceServiceStates.AsNoTracking()
                .Where(s => wanting.Contains(s.DeviceId))
                .ToDictionaryAsync(s => (s.DeviceId, s.ServiceId), s => s.Data, cancellationToken);
        }
        var byDevice = unaccepted.ToLookup(d => d.DeviceId);
        foreach (var connection in connections)
        {
            var sent = _sent.GetOrCreateValue(connection);
            var due = new List<(DeviceDesiredState Desired, JsonObject Difference)>();
            foreach (var desired in byDevice[connection.DeviceId].OrderBy(d => d.ServiceId, StringComparer.Ordinal))
            {
                if (sent.GetValueOrDefault(desired.ServiceId) < desired.Version
                    && Difference(desired.Desired, reported.GetValueOrDefault((desired.DeviceId, desired.ServiceId))) is { } difference)
                {
                    due.Add((desired, difference));
                }
            }
            if (due.Count == 0)
            {
                continue;
            }
            due.ForEach(d => sent[d.Desired.ServiceId] = d.Desired.Version);
            var set = requests.SetPropertiesAsync(
                connection.DeviceId, [.. due.Select(d => (d.Desired.ServiceId, JsonSerializer.SerializeToElement(d.Difference)))], cancellationToken);
            LogPublished(logger, connection.DeviceId, due.Count);
            _ = AcceptWhenAnsweredAsync(connection.DeviceId, set, [.. due.Select(d => (d.Desired.ServiceId, d.Desired.Version))]);
        }
    }

    /// <summary>The desired properties whose value the reported ones do not hold, or null when they hold them all.</summary>
    internal static JsonObject? Difference(string desired, string? reported)
    {
        var wanted = JsonNode.Parse(desired)!.AsObject();
        var held = reported is null ? null : JsonNode.Parse(reported) as JsonObject;
        var difference = new JsonObject();
        foreach (var (name, value) in wanted)
        {
            if (held is null || !held.TryGetPropertyValue(name, out var current) || !JsonNode.DeepEquals(value, current))
            {
                difference[name] = value?.DeepClone();
            }
        }
        return difference.Count == 0 ? null : difference;
    }

    /// <summary>
    /// Marks the sent versions accepted when the device answers with success; a version changed meanwhile stays as it
    /// is. A failure or no answer leaves them for the device's next connection.
    /// </summary>
    private async Task AcceptWhenAnsweredAsync(string deviceId, Task<DeviceReply> set, List<(string ServiceId, long Version)> versions)
    {
        try
        {
            if (await set is not { Status: DeviceReplyStatus.Answered, Json: { } json } || !Succeeded(json))
            {
                return;
            }
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<ShoalDb>();
            foreach (var (serviceId, version) in versions)
            {
                await db.DeviceDesiredStates
                    .Where(d => d.DeviceId == deviceId && d.ServiceId == serviceId && d.Version == version)
                    .ExecuteUpdateAsync(update => update.SetProperty(d => d.AcceptedVersion, version));
            }
        }
        catch (Exception error) when (error is not OperationCanceledException)
        {
            LogNotAccepted(logger, deviceId, error);
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>A missing result code counts as success, as on the reference platform.</summary>
    private static bool Succeeded(string json)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.ValueKind != JsonValueKind.Object
            || !document.RootElement.TryGetProperty("result_code", out var code)
            || code is { ValueKind: JsonValueKind.Number } && code.TryGetInt64(out var number) && number == 0;
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Desired values of {Services} services sent to device {DeviceId}.")]
    private static partial void LogPublished(ILogger logger, string deviceId, int services);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Device {DeviceId} accepted its desired values, but that could not be stored.")]
    private static partial void LogNotAccepted(ILogger logger, string deviceId, Exception error);

    [LoggerMessage(Level = LogLevel.Error, Message = "Sending desired values to devices failed; the next run tries again.")]
    private static partial void LogRunFailed(ILogger logger, Exception error);
}
