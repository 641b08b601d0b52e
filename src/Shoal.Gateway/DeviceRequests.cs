using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Shoal.Storage.Tracing;

namespace Shoal.Gateway;

internal enum DeviceReplyStatus
{
    Answered,
    /// <summary>The device has no connection on this node.</summary>
    NotConnected,
    /// <summary>The device is registered over LwM2M, which carries commands and nothing else down.</summary>
    CommandsOnly,
    /// <summary>The device did not answer within <see cref="GatewayOptions.DeviceRequestTimeout"/>.</summary>
    TimedOut,
}

/// <summary>What came of a request to a device; <see cref="Json"/> is the device's answer when it gave one.</summary>
internal sealed record DeviceReply(DeviceReplyStatus Status, string? Json = null);

/// <summary>The requests waiting for a device's answer on this node, by device and request ID.</summary>
internal sealed class DeviceReplies
{
    private readonly ConcurrentDictionary<(string DeviceId, string RequestId), TaskCompletionSource<string>> _waiting = new();

    public Task<string> Expect(string deviceId, string requestId)
    {
        var answer = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        _waiting[(deviceId, requestId)] = answer;
        return answer.Task;
    }

    /// <summary>Hands a device's answer to the request waiting for it; an answer nobody waits for (late, or made up) is dropped.</summary>
    public void Answer(string deviceId, string requestId, string json)
    {
        if (_waiting.TryRemove((deviceId, requestId), out var answer))
        {
            answer.TrySetResult(json);
        }
    }

    public void Forget(string deviceId, string requestId) => _waiting.TryRemove((deviceId, requestId), out _);
}

/// <summary>
/// Asks a device connected to this node to set or report properties, or sends it a message: the synchronous
/// calls of the management API. Nothing is stored, so a device that is not connected here is told to the caller at once.
/// </summary>
internal sealed class DeviceRequests(
    GatewayServer gateway, DeviceSessions sessions, DeviceReplies replies, TraceRecorder recorder, IOptions<GatewayOptions> options, TimeProvider time)
{
    /// <summary>Publishes <c>{"object_device_id","services":[{"service_id","properties"}]}</c> on <c>sys/properties/set</c>.</summary>
    public Task<DeviceReply> SetPropertiesAsync(string deviceId, IReadOnlyList<(string ServiceId, JsonElement Properties)> services, CancellationToken cancellationToken) =>
        AskAsync(deviceId, "set", Json(json =>
        {
            json.WriteString("object_device_id", deviceId);
            json.WriteStartArray("services");
            foreach (var (serviceId, properties) in services)
            {
                json.WriteStartObject();
                json.WriteString("service_id", serviceId);
                json.WritePropertyName("properties");
                properties.WriteTo(json);
                json.WriteEndObject();
            }
            json.WriteEndArray();
        }), cancellationToken);

    /// <summary>Publishes <c>{"object_device_id","service_id"}</c> on <c>sys/properties/get</c>; no service asks for all.</summary>
    public Task<DeviceReply> GetPropertiesAsync(string deviceId, string? serviceId, CancellationToken cancellationToken) =>
        AskAsync(deviceId, "get", Json(json =>
        {
            json.WriteString("object_device_id", deviceId);
            if (serviceId is not null)
            {
                json.WriteString("service_id", serviceId);
            }
        }), cancellationToken);

    /// <summary>Publishes the message as it is on <c>sys/messages/down</c>; Answered means published, not received.</summary>
    public async Task<DeviceReply> SendMessageAsync(string deviceId, JsonElement message, string? userTopic, CancellationToken cancellationToken)
    {
        var payload = Encoding.UTF8.GetBytes(message.GetRawText());
        var topic = userTopic is null ? TopicPolicy.MessagesDown(deviceId) : TopicPolicy.UserTopic(deviceId, userTopic);
        var unreachable = await UnreachableAsync(deviceId, cancellationToken);
        var published = unreachable is null && await gateway.PublishAsync(topic, payload, cancellationToken);
        recorder.MessageDown(deviceId, topic, payload.Length, published);
        return new DeviceReply(published ? DeviceReplyStatus.Answered : unreachable ?? DeviceReplyStatus.NotConnected);
    }

    /// <summary>
    /// Publishes one event on <c>sys/events/down</c>: <c>{"object_device_id","services":[{"service_id","event_type",
    /// "event_time","paras"}]}</c>; Answered means published, not received.
    /// </summary>
    public async Task<DeviceReply> SendEventAsync(string deviceId, string serviceId, string eventType, JsonElement paras, CancellationToken cancellationToken)
    {
        var reply = SystemEvents.EventsDown(deviceId, serviceId, eventType, null, time.GetUtcNow(), json =>
        {
            foreach (var property in paras.EnumerateObject())
            {
                property.WriteTo(json);
            }
        });
        var unreachable = await UnreachableAsync(deviceId, cancellationToken);
        var published = unreachable is null && await gateway.PublishAsync(reply.Topic, reply.Payload, cancellationToken);
        recorder.MessageDown(deviceId, reply.Topic, reply.Payload.Length, published);
        return new DeviceReply(published ? DeviceReplyStatus.Answered : unreachable ?? DeviceReplyStatus.NotConnected);
    }

    private async Task<DeviceReply> AskAsync(string deviceId, string verb, byte[] payload, CancellationToken cancellationToken)
    {
        if (await UnreachableAsync(deviceId, cancellationToken) is { } unreachable)
        {
            return new DeviceReply(unreachable);
        }
        var requestId = Guid.NewGuid().ToString("N");
        // The clock starts before the publish: the device may answer before this method would otherwise start waiting.
        var answer = replies.Expect(deviceId, requestId).WaitAsync(options.Value.DeviceRequestTimeout, time, cancellationToken);
        try
        {
            if (!await gateway.PublishAsync(TopicPolicy.PropertiesRequest(deviceId, verb, requestId), payload, cancellationToken))
            {
                return new DeviceReply(DeviceReplyStatus.NotConnected);
            }
            return new DeviceReply(DeviceReplyStatus.Answered, await answer);
        }
        catch (TimeoutException)
        {
            return new DeviceReply(DeviceReplyStatus.TimedOut);
        }
        finally
        {
            replies.Forget(deviceId, requestId);
        }
    }

    /// <summary>
    /// Null when the device takes MQTT publishes on this node (waiting out the moment between its CONNACK and its
    /// downlink subscription); else why it cannot be asked.
    /// </summary>
    private async Task<DeviceReplyStatus?> UnreachableAsync(string deviceId, CancellationToken cancellationToken) => sessions.Find(deviceId) switch
    {
        null => DeviceReplyStatus.NotConnected,
        // Requests are MQTT publishes: a device reached another way takes commands only.
        { Downlink: not null } => DeviceReplyStatus.CommandsOnly,
        var connection => await connection.DownlinkReadyAsync(options.Value.DeviceRequestTimeout, time, cancellationToken)
            ? null
            : DeviceReplyStatus.NotConnected,
    };

    private static byte[] Json(Action<Utf8JsonWriter> write)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            write(json);
            json.WriteEndObject();
        }
        return buffer.ToArray();
    }
}
