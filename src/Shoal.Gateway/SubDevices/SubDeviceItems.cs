namespace Shoal.Gateway.SubDevices;

/// <summary>One sub-device's services in a gateway's batch report.</summary>
internal sealed record SubDeviceReport(string DeviceId, IReadOnlyList<ReportedService> Services);

/// <summary>A gateway's batch report: each sub-device's services, stored as that device's own properties report.</summary>
internal sealed class SubDevicesReported(DeviceIdentity gateway, DateTimeOffset receivedAt, IReadOnlyList<SubDeviceReport> reports)
    : IngestItem(gateway, receivedAt)
{
    public IReadOnlyList<SubDeviceReport> Reports => reports;
}

/// <summary>A status a gateway reports for one of its sub-devices.</summary>
internal sealed record SubDeviceStatus(string DeviceId, bool Online);

/// <summary>
/// The statuses a gateway reports for its sub-devices, applied like a direct device's connect and disconnect. The writer
/// says which it applied: a device that is not a sub-device of this gateway is left as it is.
/// </summary>
internal sealed class SubDeviceStatusesReported(DeviceIdentity gateway, DateTimeOffset receivedAt, IReadOnlyList<SubDeviceStatus> statuses)
    : IngestItem(gateway, receivedAt)
{
    public IReadOnlyList<SubDeviceStatus> Statuses => statuses;

    /// <summary>The IDs of the devices whose status was applied, once committed.</summary>
    public HashSet<string> Applied { get; } = new(StringComparer.Ordinal);
}
