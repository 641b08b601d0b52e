using Shoal.Storage.Entities;

namespace Shoal.Gateway;

/// <summary>Something a device did that must be committed before the device hears it was accepted.</summary>
internal abstract class IngestItem(DeviceIdentity device, DateTimeOffset receivedAt)
{
    private readonly TaskCompletionSource _stored = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public DeviceIdentity Device => device;
    public DateTimeOffset ReceivedAt => receivedAt;
    /// <summary>The device event the item was stored as, if any; its ID is known once committed.</summary>
    public DeviceEvent? Event { get; set; }
    /// <summary>Completes when the transaction that holds this item has committed; fails if it did not.</summary>
    public Task Stored => _stored.Task;

    public void Committed() => _stored.TrySetResult();

    public void Failed(Exception error) => _stored.TrySetException(error);
}

/// <summary>One service's properties from a <c>sys/properties/report</c>.</summary>
internal sealed record ReportedService(string ServiceId, string Data, IReadOnlyList<string> PropertyNames, DateTimeOffset EventTime);

internal sealed class PropertiesReported(DeviceIdentity device, DateTimeOffset receivedAt, IReadOnlyList<ReportedService> services)
    : IngestItem(device, receivedAt)
{
    public IReadOnlyList<ReportedService> Services => services;
}

/// <summary>A message up; a gateway sends one for a sub-device by naming it in <c>object_device_id</c>.</summary>
internal sealed class MessageUp(DeviceIdentity device, DateTimeOffset receivedAt, string payload, string? subDeviceId = null)
    : IngestItem(device, receivedAt)
{
    /// <summary>The event payload: the message as JSON, or base64 when it is not JSON.</summary>
    public string Payload => payload;
    /// <summary>The sub-device of the gateway the message is stored for; null for the device itself.</summary>
    public string? SubDeviceId => subDeviceId;
}

/// <summary>What the device published on <c>sys/events/up</c>, for itself or, from a gateway, for one of its sub-devices.</summary>
internal sealed class EventReported(DeviceIdentity device, DateTimeOffset receivedAt, string payload, string? subDeviceId = null)
    : IngestItem(device, receivedAt)
{
    /// <summary>The event payload: the device's JSON as it sent it.</summary>
    public string Payload => payload;
    /// <summary>The sub-device of the gateway the events are stored for; null for the device itself.</summary>
    public string? SubDeviceId => subDeviceId;
}

internal sealed class DeviceConnected(DeviceIdentity device, DateTimeOffset receivedAt) : IngestItem(device, receivedAt);

/// <summary>
/// A device authenticated over HTTPS: it is activated and seen, but not ONLINE, since HTTPS keeps no session whose end
/// would set it OFFLINE again.
/// </summary>
internal sealed class DeviceAuthenticated(DeviceIdentity device, DateTimeOffset receivedAt) : IngestItem(device, receivedAt);

/// <summary>A connection ended; <see cref="Reason"/> says why, as the device's owner reads it.</summary>
internal sealed class DeviceDisconnected(DeviceIdentity device, DateTimeOffset receivedAt, string reason) : IngestItem(device, receivedAt)
{
    public string Reason => reason;
}

/// <summary>The device's PUBACK of a command publish.</summary>
internal sealed class CommandAcknowledged(DeviceIdentity device, DateTimeOffset receivedAt, string commandId) : IngestItem(device, receivedAt)
{
    public string CommandId => commandId;
}

/// <summary>The device's answer on <c>sys/commands/response/request_id={commandId}</c>.</summary>
internal sealed class CommandResponded(DeviceIdentity device, DateTimeOffset receivedAt, string commandId, CommandResponse response)
    : IngestItem(device, receivedAt)
{
    public string CommandId => commandId;
    public CommandResponse Response => response;
}
