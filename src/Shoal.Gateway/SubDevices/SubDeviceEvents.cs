using System.Text.Json;
using Shoal.Storage.Entities;

namespace Shoal.Gateway.SubDevices;

/// <summary>
/// A gateway's <c>$sub_device_manager</c> request as read from <c>sys/events/up</c>: the event type, the event ID its
/// answer repeats, and the devices it names.
/// </summary>
internal sealed record SubDeviceRequest(string EventType, string EventId)
{
    public IReadOnlyList<SubDeviceToAdd> ToAdd { get; init; } = [];
    public IReadOnlyList<string> ToDelete { get; init; } = [];
    public IReadOnlyList<RequestedStatus> Statuses { get; init; } = [];
}

/// <summary>One entry of <c>sub_device_update_status</c>: the status as sent, checked when the request is answered.</summary>
internal sealed record RequestedStatus(string DeviceId, string? Status);

/// <summary>A <c>$sub_device_manager</c> request, or why it is refused: malformed, or an event type Shoal does not answer.</summary>
internal sealed record SubDeviceRead(SubDeviceRequest? Request, string? Refusal = null, bool Malformed = true);

/// <summary>
/// Sub-device management on a gateway's own connection, as the reference platform offers it: the gateway adds, deletes,
/// reports the status of and lists its sub-devices with <c>$sub_device_manager</c> events on <c>sys/events/up</c>, and
/// is answered on <c>sys/events/down</c>. Each answer repeats the request's event ID; every change of the gateway's
/// sub-devices is also told as a notice carrying the gateway's new sub-device version.
/// </summary>
internal sealed class SubDeviceEvents(SubDeviceRegistry registry, IngestQueue queue, TimeProvider time)
{
    public const string ServiceId = "$sub_device_manager";
    public const string AddRequest = "add_sub_device_request";
    public const string DeleteRequest = "delete_sub_device_request";
    public const string StatusUpdate = "sub_device_update_status";
    public const string SyncRequest = "sub_device_sync_request";
    public const int MaxAddedOrDeleted = 50;
    public const int MaxStatuses = 100;

    /// <summary>Whether a service of an event is sub-device management; some SDKs ask for a sync without the <c>$</c>.</summary>
    public static bool Handles(string? serviceId, string? eventType) =>
        serviceId == ServiceId || (serviceId == "sub_device_manager" && eventType == SyncRequest);

    /// <summary>Reads one service of an events envelope that <see cref="Handles"/> said is sub-device management.</summary>
    public static SubDeviceRead Read(JsonElement service)
    {
        var eventType = Text(service, "event_type");
        // Answers always carry an event ID; the reference makes one when the request has none.
        var request = new SubDeviceRequest(eventType ?? "", Text(service, "event_id") is { Length: > 0 } id ? id : Guid.NewGuid().ToString());
        var paras = service.TryGetProperty("paras", out var value) && value.ValueKind == JsonValueKind.Object ? value : (JsonElement?)null;
        switch (eventType)
        {
            case AddRequest:
                var toAdd = Items(paras, "devices", MaxAddedOrDeleted, item => item.ValueKind == JsonValueKind.Object
                    ? new SubDeviceToAdd(Text(item, "node_id"), Text(item, "product_id"), Text(item, "device_id"), Text(item, "name"),
                        Text(item, "description"), Text(item, "parent_device_id"))
                    : null);
                return toAdd is null
                    ? new SubDeviceRead(null, $$"""{{AddRequest}} takes {"devices":[{"node_id","product_id",...}]} with 1 to {{MaxAddedOrDeleted}} devices.""")
                    : new SubDeviceRead(request with { ToAdd = toAdd });
            case DeleteRequest:
                var toDelete = Items(paras, "devices", MaxAddedOrDeleted, item => Text(item, null) is { Length: > 0 } deviceId ? deviceId : null);
                return toDelete is null
                    ? new SubDeviceRead(null, $$"""{{DeleteRequest}} takes {"devices":["{device_id}",...]} with 1 to {{MaxAddedOrDeleted}} device IDs.""")
                    : new SubDeviceRead(request with { ToDelete = toDelete });
            case StatusUpdate:
                var statuses = Items(paras, "device_statuses", MaxStatuses, item => Text(item, "device_id") is { Length: > 0 } deviceId
                    ? new RequestedStatus(deviceId, Text(item, "status"))
                    : null);
                return statuses is null
                    ? new SubDeviceRead(null, $$"""{{StatusUpdate}} takes {"device_statuses":[{"device_id","status":"ONLINE"|"OFFLINE"}]} with 1 to {{MaxStatuses}} devices.""")
                    : new SubDeviceRead(request with { Statuses = statuses });
            case SyncRequest:
                return new SubDeviceRead(request);
            default:
                return new SubDeviceRead(null, $"Shoal answers {AddRequest}, {DeleteRequest}, {StatusUpdate} and {SyncRequest} of {ServiceId}, not {eventType}; nothing was stored.",
                    Malformed: false);
        }
    }

    /// <summary>
    /// Carries out <paramref name="request"/> for the gateway and returns what to publish back: the answer, and the notice
    /// of what changed. A status change is committed through the ingest queue with the events of a connect or disconnect.
    /// </summary>
    public async Task<IReadOnlyList<DeviceReplyMessage>> AnswerAsync(
        DeviceIdentity gateway, SubDeviceRequest request, DateTimeOffset receivedAt, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        switch (request.EventType)
        {
            case AddRequest:
            {
                var changes = await registry.AddAsync(gateway, request.ToAdd, cancellationToken);
                var answer = EventsDown(gateway.DeviceId, "add_sub_device_response", request.EventId, now, json =>
                {
                    WriteDevices(json, "successful_devices", changes.Changed);
                    WriteFailures(json, changes.Outcomes, failure =>
                    {
                        json.WriteString("node_id", failure.NodeId ?? "");
                        json.WriteString("product_id", failure.ProductId ?? "");
                    });
                });
                return changes.Changed.Any() ? [answer, AddedNotice(gateway.DeviceId, [.. changes.Changed], changes.Version, now)] : [answer];
            }
            case DeleteRequest:
            {
                var changes = await registry.DeleteAsync(gateway, request.ToDelete, cancellationToken);
                var answer = EventsDown(gateway.DeviceId, "delete_sub_device_response", request.EventId, now, json =>
                {
                    json.WriteStartArray("successful_devices");
                    foreach (var device in changes.Changed)
                    {
                        json.WriteStringValue(device.Id);
                    }
                    json.WriteEndArray();
                    WriteFailures(json, changes.Outcomes, failure => json.WriteString("device_id", failure.DeviceId));
                });
                return changes.Changed.Any() ? [answer, DeletedNotice(gateway.DeviceId, [.. changes.Changed], changes.Version, now)] : [answer];
            }
            case StatusUpdate:
                return [await UpdateStatusesAsync(gateway, request, receivedAt, cancellationToken)];
            default:
            {
                var (devices, version) = await registry.ListAsync(gateway, cancellationToken);
                return [AddedNotice(gateway.DeviceId, devices, version, now)];
            }
        }
    }

    /// <summary><c>add_sub_device_notify</c>: the devices added, or on a sync every sub-device, with the gateway's version.</summary>
    public static DeviceReplyMessage AddedNotice(string gatewayId, IReadOnlyList<Device> devices, long version, DateTimeOffset at) =>
        EventsDown(gatewayId, "add_sub_device_notify", null, at, json =>
        {
            WriteDevices(json, "devices", devices);
            json.WriteNumber("version", version);
        });

    /// <summary><c>delete_sub_device_notify</c>: the devices deleted, with the gateway's version.</summary>
    public static DeviceReplyMessage DeletedNotice(string gatewayId, IReadOnlyList<Device> devices, long version, DateTimeOffset at) =>
        EventsDown(gatewayId, "delete_sub_device_notify", null, at, json =>
        {
            json.WriteStartArray("devices");
            foreach (var device in devices)
            {
                json.WriteStartObject();
                json.WriteString("parent_device_id", gatewayId);
                json.WriteString("node_id", device.NodeId);
                json.WriteString("device_id", device.Id);
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteNumber("version", version);
        });

    private async Task<DeviceReplyMessage> UpdateStatusesAsync(
        DeviceIdentity gateway, SubDeviceRequest request, DateTimeOffset receivedAt, CancellationToken cancellationToken)
    {
        var valid = request.Statuses.Where(s => s.Status is "ONLINE" or "OFFLINE").Select(s => new SubDeviceStatus(s.DeviceId, s.Status == "ONLINE")).ToList();
        var item = new SubDeviceStatusesReported(gateway, receivedAt, valid);
        if (valid.Count > 0)
        {
            await queue.StoreAsync(item, cancellationToken);
        }
        return EventsDown(gateway.DeviceId, "sub_device_update_status_response", request.EventId, time.GetUtcNow(), json =>
        {
            json.WriteStartArray("successful_devices");
            foreach (var (deviceId, status) in request.Statuses.Where(s => item.Applied.Contains(s.DeviceId)))
            {
                json.WriteStartObject();
                json.WriteString("device_id", deviceId);
                json.WriteString("status", status);
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteStartArray("failed_devices");
            foreach (var (deviceId, status) in request.Statuses.Where(s => !item.Applied.Contains(s.DeviceId)))
            {
                json.WriteStartObject();
                json.WriteString("device_id", deviceId);
                var (code, message) = status is "ONLINE" or "OFFLINE"
                    ? (SubDeviceRegistry.NotSubDevice, $"Device {deviceId} is not a sub-device of gateway {gateway.DeviceId}.")
                    : (SubDeviceRegistry.InvalidStatus, "status is ONLINE or OFFLINE.");
                json.WriteString("error_code", code);
                json.WriteString("error_msg", message);
                json.WriteEndObject();
            }
            json.WriteEndArray();
        });
    }

    private static DeviceReplyMessage EventsDown(string gatewayId, string eventType, string? eventId, DateTimeOffset at, Action<Utf8JsonWriter> writeParas) =>
        SystemEvents.EventsDown(gatewayId, ServiceId, eventType, eventId, at, writeParas);

    /// <summary>The reference platform's DeviceInfo of each device; fields a device does not have are left out.</summary>
    private static void WriteDevices(Utf8JsonWriter json, string name, IEnumerable<Device> devices)
    {
        json.WriteStartArray(name);
        foreach (var device in devices)
        {
            json.WriteStartObject();
            json.WriteString("parent_device_id", device.GatewayId);
            json.WriteString("node_id", device.NodeId);
            json.WriteString("device_id", device.Id);
            foreach (var (field, value) in new[]
            {
                ("name", device.Name), ("description", device.Description), ("manufacturer_id", device.Manufacturer),
                ("model", device.Model), ("product_id", device.ProductId),
            })
            {
                if (value is not null)
                {
                    json.WriteString(field, value);
                }
            }
            json.WriteString("status", device.Status.ToString().ToUpperInvariant());
            json.WriteEndObject();
        }
        json.WriteEndArray();
    }

    /// <summary><c>failed_devices</c>, always there: an SDK reads it without looking. Each has its IDs, a code and a message.</summary>
    private static void WriteFailures(Utf8JsonWriter json, IEnumerable<SubDeviceOutcome> outcomes, Action<SubDeviceFailure> writeIds)
    {
        json.WriteStartArray("failed_devices");
        foreach (var failure in outcomes.Select(o => o.Failure).OfType<SubDeviceFailure>())
        {
            json.WriteStartObject();
            writeIds(failure);
            json.WriteString("error_code", failure.ErrorCode);
            json.WriteString("error_msg", failure.ErrorMessage);
            json.WriteEndObject();
        }
        json.WriteEndArray();
    }

    /// <summary>The items of the array <paramref name="name"/> in <paramref name="paras"/>, or null unless it has 1 to <paramref name="max"/> that all read.</summary>
    private static List<T>? Items<T>(JsonElement? paras, string name, int max, Func<JsonElement, T?> read)
        where T : class
    {
        if (paras is not { } found || !found.TryGetProperty(name, out var array) || array.ValueKind != JsonValueKind.Array
            || array.GetArrayLength() is 0 || array.GetArrayLength() > max)
        {
            return null;
        }
        var items = new List<T>(array.GetArrayLength());
        foreach (var element in array.EnumerateArray())
        {
            if (read(element) is not { } item)
            {
                return null;
            }
            items.Add(item);
        }
        return items;
    }

    /// <summary>The text of <paramref name="name"/> in an object, or of the element itself when no name is given; "" counts as absent.</summary>
    private static string? Text(JsonElement element, string? name)
    {
        if (name is not null && (element.ValueKind != JsonValueKind.Object || !element.TryGetProperty(name, out element)))
        {
            return null;
        }
        return element.ValueKind == JsonValueKind.String && element.GetString() is { Length: > 0 } text ? text : null;
    }
}
