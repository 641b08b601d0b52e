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
    DeviceShadowSignal signal, DeviceSessions sessions, GatewayServer gateway, DeviceReplies replies, IServiceScopeFactory scopes,
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
                await signal.WaitAsync(options.Value.ShadowPollInterval, time, stoppingToken);
                try
                {
                    await RunOnceAsync(stoppingToken);
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

    public async Task RunOnceAsync(CancellationToken cancellationToken)
    {
        await _running.WaitAsync(cancellationToken);
        try
        {
            await PublishDifferencesAsync(cancellationToken);
        }
        finally
        {
            _running.Release();
        }
    }

    private async Task PublishDifferencesAsync(CancellationToken cancellationToken)
    {
        var connections = sessions.ReceivingDownlinkConnections();
        if (connections.Count == 0)
        {
            return;
        }
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
            var requestId = Guid.NewGuid().ToString("N");
            var answer = replies.Expect(connection.DeviceId, requestId);
            if (!await gateway.PublishAsync(TopicPolicy.PropertiesRequest(connection.DeviceId, "set", requestId), Request(connection.DeviceId, due), cancellationToken))
            {
                replies.Forget(connection.DeviceId, requestId);
                return;
            }
            LogPublished(logger, connection.DeviceId, due.Count);
            _ = AcceptWhenAnsweredAsync(connection.DeviceId, requestId, answer, [.. due.Select(d => (d.Desired.ServiceId, d.Desired.Version))]);
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
    private async Task AcceptWhenAnsweredAsync(string deviceId, string requestId, Task<string> answer, List<(string ServiceId, long Version)> versions)
    {
        try
        {
            var json = await answer.WaitAsync(options.Value.DeviceRequestTimeout, time);
            if (!Succeeded(json))
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
        catch (TimeoutException)
        {
        }
        catch (Exception error)
        {
            LogNotAccepted(logger, deviceId, error);
        }
        finally
        {
            replies.Forget(deviceId, requestId);
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

    /// <summary><c>{"object_device_id","services":[{"service_id","properties"}]}</c>, as a properties set from the API.</summary>
    private static byte[] Request(string deviceId, List<(DeviceDesiredState Desired, JsonObject Difference)> due)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("object_device_id", deviceId);
            json.WriteStartArray("services");
            foreach (var (desired, difference) in due)
            {
                json.WriteStartObject();
                json.WriteString("service_id", desired.ServiceId);
                json.WritePropertyName("properties");
                difference.WriteTo(json);
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteEndObject();
        }
        return buffer.ToArray();
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Desired values of {Services} services published to device {DeviceId}.")]
    private static partial void LogPublished(ILogger logger, string deviceId, int services);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Device {DeviceId} accepted its desired values, but that could not be stored.")]
    private static partial void LogNotAccepted(ILogger logger, string deviceId, Exception error);

    [LoggerMessage(Level = LogLevel.Error, Message = "Sending desired values to devices failed; the next run tries again.")]
    private static partial void LogRunFailed(ILogger logger, Exception error);
}
