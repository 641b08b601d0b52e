using System.Globalization;
using System.Text.Json;
using Shoal.Gateway.SubDevices;

namespace Shoal.Gateway;

/// <summary>What the gateway publishes back to a device: a topic under its prefix and the JSON body.</summary>
internal sealed record DeviceReplyMessage(string Topic, byte[] Payload);

/// <summary>
/// What a device's <c>sys/events/up</c> asks of Shoal: <paramref name="Replies"/> to publish back, whether the events
/// are stored in the event log (and pushed as <c>deviceEvent</c>), or why they are refused, when
/// <paramref name="Refusal"/> is set.
/// </summary>
internal sealed record EventsRequest(IReadOnlyList<DeviceReplyMessage> Replies, bool Store, string? Refusal = null)
{
    /// <summary>The gateway's <c>$sub_device_manager</c> requests, answered by <see cref="SubDeviceEvents"/>.</summary>
    public IReadOnlyList<SubDeviceRequest> SubDeviceRequests { get; init; } = [];

    /// <summary>The sub-device the events are about (a gateway's <c>object_device_id</c>); null for the device itself.</summary>
    public string? SubDeviceId { get; init; }

    /// <summary>Refused as a request that is not one, rather than as a service Shoal does not offer.</summary>
    public bool Malformed { get; init; }

    public static EventsRequest Refused(string reason, bool malformed = false) => new([], Store: false, reason) { Malformed = malformed };
}

/// <summary>
/// The system services a device reaches through <c>{"object_device_id"?,"services":[{"service_id","event_type","paras"}]}</c>
/// on <c>sys/events/up</c>. Time sync and a gateway's sub-device management are answered; device reports Shoal can only
/// pass on (logs, SDK information, firmware versions) and the device's own services are stored; requests for a service
/// Shoal does not offer are refused by name rather than taken and left unanswered. A gateway reports a sub-device's
/// events by naming it in <c>object_device_id</c>.
/// </summary>
internal static class SystemEvents
{
    public const string TimeSync = "$time_sync";

    private static readonly HashSet<string> Stored = new(StringComparer.Ordinal) { "$log", "$sdk_info", "$ota" };

    private static readonly Dictionary<string, string> NotOffered = new(StringComparer.Ordinal)
    {
        ["$file_manager"] = "file transfer",
        ["$device_rule"] = "device-side rules",
        ["$tunnel_manager"] = "remote tunnels",
        ["$device_config"] = "remote configuration",
    };

    public static EventsRequest Read(string deviceId, JsonElement envelope, DateTimeOffset receivedAt, TimeProvider time)
    {
        if (envelope.ValueKind != JsonValueKind.Object || !envelope.TryGetProperty("services", out var services) || services.ValueKind != JsonValueKind.Array)
        {
            return new EventsRequest([], Store: true);
        }
        var subDeviceId = Text(envelope, "object_device_id") is { Length: > 0 } target && target != deviceId ? target : null;
        var replies = new List<DeviceReplyMessage>();
        var subDeviceRequests = new List<SubDeviceRequest>();
        var store = false;
        foreach (var service in services.EnumerateArray())
        {
            var serviceId = Text(service, "service_id");
            var eventType = Text(service, "event_type");
            var answered = SubDeviceEvents.Handles(serviceId, eventType) || (serviceId == TimeSync && eventType == "time_sync_request");
            if (answered && subDeviceId is not null)
            {
                return EventsRequest.Refused($"Shoal answers {serviceId} {eventType} for the gateway itself, not for sub-device {subDeviceId}; nothing was stored.");
            }
            if (SubDeviceEvents.Handles(serviceId, eventType))
            {
                var read = SubDeviceEvents.Read(service);
                if (read.Request is null)
                {
                    return EventsRequest.Refused(read.Refusal!, read.Malformed);
                }
                subDeviceRequests.Add(read.Request);
            }
            else if (answered)
            {
                replies.Add(TimeSyncResponse(deviceId, service, receivedAt, time.GetUtcNow()));
            }
            else if (serviceId is ['$', ..] && !Stored.Contains(serviceId))
            {
                var what = NotOffered.TryGetValue(serviceId, out var name) ? $" ({name})" : "";
                return EventsRequest.Refused($"Shoal offers no {serviceId} service{what}; nothing was stored.");
            }
            else
            {
                store = true;
            }
        }
        return new EventsRequest(replies, store || (replies.Count == 0 && subDeviceRequests.Count == 0))
        {
            SubDeviceRequests = subDeviceRequests,
            SubDeviceId = subDeviceId,
        };
    }

    /// <summary>
    /// The platform's receive and send times, in milliseconds since 1970, with the device's own send time given back as it
    /// came: a number, or the digits some SDKs send as text.
    /// </summary>
    private static DeviceReplyMessage TimeSyncResponse(string deviceId, JsonElement request, DateTimeOffset receivedAt, DateTimeOffset sentAt)
    {
        long? deviceSendTime = request.TryGetProperty("paras", out var paras) && paras.ValueKind == JsonValueKind.Object
            && paras.TryGetProperty("device_send_time", out var sent)
                ? sent.ValueKind switch
                {
                    JsonValueKind.Number when sent.TryGetInt64(out var number) => number,
                    JsonValueKind.String when long.TryParse(sent.GetString(), NumberStyles.None, CultureInfo.InvariantCulture, out var number) => number,
                    _ => null,
                }
                : null;
        return EventsDown(deviceId, TimeSync, "time_sync_response", Text(request, "event_id"), sentAt, json =>
        {
            if (deviceSendTime is { } device)
            {
                json.WriteNumber("device_send_time", device);
            }
            json.WriteNumber("server_recv_time", receivedAt.ToUnixTimeMilliseconds());
            json.WriteNumber("server_send_time", sentAt.ToUnixTimeMilliseconds());
        });
    }

    /// <summary>
    /// <c>{"object_device_id","services":[{"service_id","event_type","event_id"?,"event_time","paras"}]}</c> on
    /// <c>sys/events/down</c>; an answer repeats the request's event ID, by which the device matches it.
    /// </summary>
    public static DeviceReplyMessage EventsDown(
        string deviceId, string serviceId, string eventType, string? eventId, DateTimeOffset at, Action<Utf8JsonWriter> writeParas)
    {
        ArgumentNullException.ThrowIfNull(writeParas);
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("object_device_id", deviceId);
            json.WriteStartArray("services");
            json.WriteStartObject();
            json.WriteString("service_id", serviceId);
            json.WriteString("event_type", eventType);
            if (!string.IsNullOrEmpty(eventId))
            {
                json.WriteString("event_id", eventId);
            }
            json.WriteString("event_time", at.UtcDateTime.ToString(PropertiesReport.EventTimeFormat, CultureInfo.InvariantCulture));
            json.WriteStartObject("paras");
            writeParas(json);
            json.WriteEndObject();
            json.WriteEndObject();
            json.WriteEndArray();
            json.WriteEndObject();
        }
        return new DeviceReplyMessage(TopicPolicy.EventsDown(deviceId), buffer.ToArray());
    }

    private static string? Text(JsonElement service, string name) =>
        service.ValueKind == JsonValueKind.Object && service.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : null;
}
