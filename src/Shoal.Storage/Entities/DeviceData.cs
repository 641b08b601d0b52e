namespace Shoal.Storage.Entities;

/// <summary>One reported service value, kept as history while the application's data management is on.</summary>
public sealed class DeviceDataPoint
{
    public long Id { get; set; }
    public required string ApplicationId { get; set; }
    public required string DeviceId { get; set; }
    public required string ServiceId { get; set; }
    /// <summary>The service's properties as a JSON object.</summary>
    public required string Data { get; set; }
    /// <summary>The names of the properties in <see cref="Data"/>, each between commas (<c>,temperature,humidity,</c>), so a query by property needs no JSON function.</summary>
    public required string PropertyNames { get; set; }
    public DateTimeOffset EventTime { get; set; }
    public DateTimeOffset ReceivedAt { get; set; }
}

/// <summary>The latest value of one service of a device, whatever the application's data management says.</summary>
public sealed class DeviceServiceState
{
    public required string DeviceId { get; set; }
    public required string ServiceId { get; set; }
    /// <summary>The service's properties as a JSON object.</summary>
    public required string Data { get; set; }
    public DateTimeOffset EventTime { get; set; }
}

/// <summary>
/// What happened to a device, in commit order: the durable log that pushes to the NA are made from.
/// It is written in the same transaction as the data it reports, so a committed report is never without its event.
/// </summary>
public sealed class DeviceEvent
{
    public long Id { get; set; }
    public required string ApplicationId { get; set; }
    public required string DeviceId { get; set; }
    public DeviceEventType Type { get; set; }
    /// <summary>The event's content as JSON; its shape depends on <see cref="Type"/>.</summary>
    public required string Payload { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
}

public enum DeviceEventType
{
    DeviceAdded,
    DeviceBound,
    PropertiesReported,
    MessageUp,
    /// <summary>A command changed state; the payload is the command as the NA sees it.</summary>
    CommandStateChanged,
    /// <summary>Its descriptive fields changed; the payload is the device after the change.</summary>
    DeviceInfoChanged,
    DeviceDeleted,
    /// <summary>The device published on <c>sys/events/up</c>; the payload is its JSON as it sent it.</summary>
    EventReported,
    /// <summary>The device came ONLINE or went OFFLINE; the payload is <see cref="DeviceStatusPayload"/>.</summary>
    StatusChanged,
}

/// <summary>How far a follower of the device event log has read it: the last event ID it has handled.</summary>
public interface IEventLogCursor
{
    int Id { get; set; }
    long LastEventId { get; set; }
}

/// <summary>
/// The values an application wants one service of a device to have: its side of the device shadow, which the gateway
/// sends the device until the device reports them or accepts them.
/// </summary>
public sealed class DeviceDesiredState
{
    public required string DeviceId { get; set; }
    public required string ServiceId { get; set; }
    /// <summary>The desired properties as a JSON object.</summary>
    public required string Desired { get; set; }
    /// <summary>When the desired properties last changed.</summary>
    public DateTimeOffset EventTime { get; set; }
    /// <summary>Counts the changes of the desired properties, from 1.</summary>
    public long Version { get; set; }
    /// <summary>The last <see cref="Version"/> the device accepted with a successful properties set answer; 0 for none.</summary>
    public long AcceptedVersion { get; set; }
}
