using System.Text.Json;
using System.Text.Json.Nodes;
using Shoal.Storage.Entities;

namespace Shoal.Delivery;

/// <summary>One push body for subscribers of <paramref name="NotifyType"/>.</summary>
internal sealed record Notification(string NotifyType, string Body);

/// <summary>A push to a command's own callback URL; <see cref="IssuerId"/> is the application that sent it through a grant, if one did.</summary>
internal sealed record CommandCallback(string Url, string Body, string? IssuerId);

/// <summary>
/// Turns a device event into the reference platform's push bodies. Each event type has one entry; an event type
/// without one is pushed to nobody.
/// </summary>
internal static class Notifications
{
    private static readonly Dictionary<DeviceEventType, Func<DeviceEvent, string, IEnumerable<Notification>>> Makers = new()
    {
        [DeviceEventType.PropertiesReported] = DataChanged,
        [DeviceEventType.DeviceAdded] = (e, g) =>
            [DeviceInfo(NotifyTypes.DeviceAdded, e, g, new JsonObject { ["nodeType"] = g == e.DeviceId ? "GATEWAY" : "ENDPOINT" })],
        [DeviceEventType.DeviceBound] = (e, g) => [DeviceInfo(NotifyTypes.BindDevice, e, g, new JsonObject { ["resultCode"] = "succeeded" })],
        [DeviceEventType.DeviceInfoChanged] = (e, g) => [Push(NotifyTypes.DeviceInfoChanged, e, g, new JsonObject { ["deviceInfo"] = Info(e) }, withRequestId: false)],
        [DeviceEventType.DeviceDeleted] = (e, g) => [Push(NotifyTypes.DeviceDeleted, e, g, [], withRequestId: false)],
        [DeviceEventType.CommandStateChanged] = (e, _) => [CommandRsp(e), .. MessageConfirm(e)],
        [DeviceEventType.EventReported] = (e, _) => DeviceEvents(e),
        [DeviceEventType.MessageUp] = (e, g) => [MessageUp(e, g)],
    };

    /// <summary>
    /// The pushes of <paramref name="deviceEvent"/>. They name the device's gateway: a sub-device's parent given as
    /// <paramref name="gatewayId"/>, or the device itself when it connects on its own (null).
    /// </summary>
    public static IEnumerable<Notification> From(DeviceEvent deviceEvent, string? gatewayId = null)
    {
        ArgumentNullException.ThrowIfNull(deviceEvent);
        return Makers.TryGetValue(deviceEvent.Type, out var make) ? make(deviceEvent, gatewayId ?? deviceEvent.DeviceId) : [];
    }

    /// <summary>
    /// The push to a command's own callback URL, when it has one: <c>{deviceId, commandId, result{resultCode, resultDetail}}</c>,
    /// the reference platform's v1.4.0 command callback, where the result code is the command's state. It goes to the
    /// NA that sent the command: the device's own application's, or one acting through a grant.
    /// </summary>
    public static CommandCallback? CommandCallback(DeviceEvent deviceEvent)
    {
        ArgumentNullException.ThrowIfNull(deviceEvent);
        if (deviceEvent.Type != DeviceEventType.CommandStateChanged || JsonNode.Parse(deviceEvent.Payload) is not { } command
            || command["callbackUrl"]?.GetValue<string>() is not { } callbackUrl)
        {
            return null;
        }
        var body = new JsonObject
        {
            ["deviceId"] = deviceEvent.DeviceId,
            ["commandId"] = command["commandId"]!.DeepClone(),
            ["result"] = new JsonObject
            {
                ["resultCode"] = command["status"]!.DeepClone(),
                ["resultDetail"] = command["result"]?["resultDetail"]?.DeepClone(),
            },
        };
        return new CommandCallback(callbackUrl, body.ToJsonString(JsonOptions), command["issuerAppId"]?.GetValue<string>());
    }

    /// <summary>A report makes one <c>deviceDatasChanged</c> with every service, and one <c>deviceDataChanged</c> per service.</summary>
    private static IEnumerable<Notification> DataChanged(DeviceEvent deviceEvent, string gatewayId)
    {
        var services = JsonNode.Parse(deviceEvent.Payload)!["services"]!.AsArray()
            .Select(s => new JsonObject
            {
                ["serviceId"] = s!["serviceId"]!.DeepClone(),
                ["serviceType"] = s["serviceId"]!.DeepClone(),
                ["data"] = s["data"]!.DeepClone(),
                ["eventTime"] = s["eventTime"]!.DeepClone(),
            })
            .ToList();
        foreach (var service in services)
        {
            yield return Push(NotifyTypes.DeviceDataChanged, deviceEvent, gatewayId, new JsonObject { ["service"] = service.DeepClone() });
        }
        yield return Push(NotifyTypes.DeviceDatasChanged, deviceEvent, gatewayId, new JsonObject { ["services"] = new JsonArray([.. services]) });
    }

    /// <summary>A device that was just bound or added is online; its other fields come from the event.</summary>
    private static Notification DeviceInfo(string notifyType, DeviceEvent deviceEvent, string gatewayId, JsonObject fields)
    {
        var info = new JsonObject { ["status"] = "ONLINE" };
        foreach (var (name, value) in Info(deviceEvent))
        {
            info[name] = value!.DeepClone();
        }
        fields["deviceInfo"] = info;
        return Push(notifyType, deviceEvent, gatewayId, fields);
    }

    /// <summary>The device's fields in the event, but its ID (the push names it already) and those it does not have.</summary>
    private static JsonObject Info(DeviceEvent deviceEvent)
    {
        var info = new JsonObject();
        foreach (var (name, value) in JsonNode.Parse(deviceEvent.Payload)!.AsObject().Where(p => p.Key != "deviceId" && p.Value is not null))
        {
            info[name] = value!.DeepClone();
        }
        return info;
    }

    /// <summary>
    /// <c>{notifyType, header{requestId, from, to, deviceId, serviceType, method}, body}</c>: the request ID is the
    /// command's, the sender the device's service and the receiver the application; the body is the command's state and,
    /// once the device answered, its result.
    /// </summary>
    private static Notification CommandRsp(DeviceEvent deviceEvent)
    {
        var command = JsonNode.Parse(deviceEvent.Payload)!;
        var serviceId = command["command"]!["serviceId"]!.GetValue<string>();
        var body = new JsonObject
        {
            ["commandId"] = command["commandId"]!.DeepClone(),
            ["status"] = command["status"]!.DeepClone(),
        };
        if (command["result"] is { } result)
        {
            body["result"] = result.DeepClone();
        }
        var notification = new JsonObject
        {
            ["notifyType"] = NotifyTypes.CommandRsp,
            ["header"] = new JsonObject
            {
                ["requestId"] = command["commandId"]!.DeepClone(),
                ["from"] = $"/devices/{deviceEvent.DeviceId}/services/{serviceId}",
                ["to"] = deviceEvent.ApplicationId,
                ["deviceId"] = deviceEvent.DeviceId,
                ["serviceType"] = serviceId,
                ["method"] = command["result"]?["responseName"]?.DeepClone() ?? command["command"]!["method"]!.DeepClone(),
            },
            ["body"] = body,
        };
        return new Notification(NotifyTypes.CommandRsp, notification.ToJsonString(JsonOptions));
    }

    /// <summary>
    /// <c>{notifyType, header{requestId, from, to, status, timestamp}, body}</c> once a command reached its device (its
    /// PUBACK, the DELIVERED state): the reference platform's acknowledgment notification.
    /// </summary>
    private static IEnumerable<Notification> MessageConfirm(DeviceEvent deviceEvent)
    {
        var command = JsonNode.Parse(deviceEvent.Payload)!;
        if (command["status"]!.GetValue<string>() != DeliveredStatus)
        {
            yield break;
        }
        var notification = new JsonObject
        {
            ["notifyType"] = NotifyTypes.MessageConfirm,
            ["header"] = new JsonObject
            {
                ["requestId"] = command["commandId"]!.DeepClone(),
                ["from"] = $"/devices/{deviceEvent.DeviceId}/services/{command["command"]!["serviceId"]!.GetValue<string>()}",
                ["to"] = deviceEvent.ApplicationId,
                ["status"] = DeliveredStatus,
                ["timestamp"] = command["deliveredTime"]?.DeepClone() ?? Time(deviceEvent.CreatedAt),
            },
            ["body"] = new JsonObject(),
        };
        yield return new Notification(NotifyTypes.MessageConfirm, notification.ToJsonString(JsonOptions));
    }

    private const string DeliveredStatus = "DELIVERED";

    /// <summary>
    /// What a device published on <c>sys/events/up</c>, <c>{"services":[{"service_id","event_type","event_time"?,"paras"}]}</c>,
    /// makes one <c>{notifyType, header{eventType, from, timestamp, eventTime, deviceId, serviceType}, body}</c> per event,
    /// the body being the event's parameters. An event without a service or a type is pushed to nobody: the device's
    /// JSON was only checked to be JSON, and a malformed one must not stop the pushes behind it.
    /// </summary>
    private static List<Notification> DeviceEvents(DeviceEvent deviceEvent)
    {
        try
        {
            if (JsonNode.Parse(deviceEvent.Payload) is not JsonObject { } payload || payload["services"] is not JsonArray services)
            {
                return [];
            }
            var timestamp = Time(deviceEvent.CreatedAt);
            return [.. services.OfType<JsonObject>()
                .Where(service => Text(service["service_id"]) is not null && Text(service["event_type"]) is not null)
                .Select(service => new JsonObject
                {
                    ["notifyType"] = NotifyTypes.DeviceEvent,
                    ["header"] = new JsonObject
                    {
                        ["eventType"] = Text(service["event_type"]),
                        ["from"] = $"/devices/{deviceEvent.DeviceId}/services/{Text(service["service_id"])}",
                        ["timestamp"] = timestamp,
                        ["eventTime"] = Text(service["event_time"]) ?? timestamp,
                        ["deviceId"] = deviceEvent.DeviceId,
                        ["serviceType"] = Text(service["service_id"]),
                    },
                    ["body"] = service["paras"] is JsonObject paras ? paras.DeepClone() : new JsonObject(),
                })
                .Select(body => new Notification(NotifyTypes.DeviceEvent, body.ToJsonString(JsonOptions)))];
        }
        catch (ArgumentException)
        {
            // A JSON object with a repeated property name.
            return [];
        }
    }

    /// <summary>
    /// <c>{notifyType, requestId, deviceId, gatewayId, topic?, message | base64, eventTime}</c>: the message as it was
    /// stored, JSON as it came and anything else in base64, with the topic when the device named its own.
    /// </summary>
    private static Notification MessageUp(DeviceEvent deviceEvent, string gatewayId)
    {
        var fields = JsonNode.Parse(deviceEvent.Payload)!.AsObject();
        fields["eventTime"] = Time(deviceEvent.CreatedAt);
        return Push(NotifyTypes.DeviceMessageUp, deviceEvent, gatewayId, fields);
    }

    private static string? Text(JsonNode? node) =>
        node is JsonValue value && value.TryGetValue<string>(out var text) && text.Length > 0 ? text : null;

    private static string Time(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>
    /// <c>{notifyType, requestId, deviceId, gatewayId, ...}</c>: the fields every device push starts with. The reference
    /// pushes changes and deletions without a request ID.
    /// </summary>
    private static Notification Push(string notifyType, DeviceEvent deviceEvent, string gatewayId, JsonObject fields, bool withRequestId = true)
    {
        var body = new JsonObject { ["notifyType"] = notifyType };
        if (withRequestId)
        {
            body["requestId"] = deviceEvent.Id.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        body["deviceId"] = deviceEvent.DeviceId;
        body["gatewayId"] = gatewayId;
        foreach (var (name, value) in fields.ToList())
        {
            fields.Remove(name);
            body[name] = value;
        }
        return new Notification(notifyType, body.ToJsonString(JsonOptions));
    }

    private static readonly JsonSerializerOptions JsonOptions = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
}
