using System.Text.Json;
using System.Text.Json.Nodes;
using Shoal.Storage.Entities;

namespace Shoal.Delivery;

/// <summary>One push body for subscribers of <paramref name="NotifyType"/>.</summary>
internal sealed record Notification(string NotifyType, string Body);

/// <summary>
/// Turns a device event into the reference platform's push bodies. Each event type has one entry; an event type
/// without one is pushed to nobody.
/// </summary>
internal static class Notifications
{
    private static readonly Dictionary<DeviceEventType, Func<DeviceEvent, IEnumerable<Notification>>> Makers = new()
    {
        [DeviceEventType.PropertiesReported] = DataChanged,
        [DeviceEventType.DeviceAdded] = e => [DeviceInfo(NotifyTypes.DeviceAdded, e, new JsonObject { ["nodeType"] = "GATEWAY" })],
        [DeviceEventType.DeviceBound] = e => [DeviceInfo(NotifyTypes.BindDevice, e, new JsonObject { ["resultCode"] = "succeeded" })],
    };

    public static IEnumerable<Notification> From(DeviceEvent deviceEvent) =>
        Makers.TryGetValue(deviceEvent.Type, out var make) ? make(deviceEvent) : [];

    /// <summary>A report makes one <c>deviceDatasChanged</c> with every service, and one <c>deviceDataChanged</c> per service.</summary>
    private static IEnumerable<Notification> DataChanged(DeviceEvent deviceEvent)
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
            yield return Push(NotifyTypes.DeviceDataChanged, deviceEvent, new JsonObject { ["service"] = service.DeepClone() });
        }
        yield return Push(NotifyTypes.DeviceDatasChanged, deviceEvent, new JsonObject { ["services"] = new JsonArray([.. services]) });
    }

    private static Notification DeviceInfo(string notifyType, DeviceEvent deviceEvent, JsonObject fields)
    {
        var device = JsonNode.Parse(deviceEvent.Payload)!.AsObject();
        var info = new JsonObject { ["status"] = "ONLINE" };
        foreach (var (name, value) in device.Where(p => p.Key != "deviceId" && p.Value is not null))
        {
            info[name] = value!.DeepClone();
        }
        fields["deviceInfo"] = info;
        return Push(notifyType, deviceEvent, fields);
    }

    /// <summary><c>{notifyType, requestId, deviceId, gatewayId, ...}</c>: the fields every device push starts with.</summary>
    private static Notification Push(string notifyType, DeviceEvent deviceEvent, JsonObject fields)
    {
        var body = new JsonObject
        {
            ["notifyType"] = notifyType,
            ["requestId"] = deviceEvent.Id.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["deviceId"] = deviceEvent.DeviceId,
            ["gatewayId"] = deviceEvent.DeviceId,
        };
        foreach (var (name, value) in fields.ToList())
        {
            fields.Remove(name);
            body[name] = value;
        }
        return new Notification(notifyType, body.ToJsonString(JsonOptions));
    }

    private static readonly JsonSerializerOptions JsonOptions = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
}
