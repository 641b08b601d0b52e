using System.Buffers;
using System.Text.Json;

namespace Shoal.Gateway.SubDevices;

/// <summary>A gateway's batch report as read: each sub-device's services, or why the report is refused whole.</summary>
internal sealed record SubDeviceBatch(IReadOnlyList<SubDeviceReport> Reports, string? Refusal = null)
{
    public static SubDeviceBatch Refused(string reason) => new([], reason);
}

/// <summary>
/// Reads a gateway's batch report, <c>{"devices":[{"device_id","services":[{"service_id","properties":{...},"event_time"?}]}]}</c>,
/// the body of <c>sys/gateway/sub_devices/properties/report</c> over MQTT and of its HTTPS counterpart. Each
/// device's services are read as a properties report of that device.
/// </summary>
internal static class SubDeviceReports
{
    /// <summary>Most sub-devices in one batch report over MQTT, as on the reference platform (its HTTPS interface takes 50).</summary>
    public const int MaxDevicesOverMqtt = 100;

    public static SubDeviceBatch Parse(
        ReadOnlySequence<byte> payload, DateTimeOffset receivedAt, int maxDevices, int maxServices, TimeSpan clockTolerance)
    {
        var expected = """The batch report is not {"devices":[{"device_id","services":[{"service_id","properties":{...}}]}]}"""
            + $" with 1 to {maxServices} services per device, or it repeats a name, or has text that is not UTF-8 or holds NUL or a lone surrogate.";
        using var document = DeviceJson.Parse(payload);
        if (document is null || document.RootElement.ValueKind != JsonValueKind.Object
            || !document.RootElement.TryGetProperty("devices", out var devices) || devices.ValueKind != JsonValueKind.Array
            || devices.GetArrayLength() == 0)
        {
            return SubDeviceBatch.Refused(expected);
        }
        if (devices.GetArrayLength() > maxDevices)
        {
            return SubDeviceBatch.Refused($"A batch report holds at most {maxDevices} sub-devices; this one has {devices.GetArrayLength()}. Split it.");
        }
        var reports = new List<SubDeviceReport>(devices.GetArrayLength());
        foreach (var device in devices.EnumerateArray())
        {
            if (device.ValueKind != JsonValueKind.Object
                || !device.TryGetProperty("device_id", out var id) || id.ValueKind != JsonValueKind.String
                || id.GetString() is not { Length: > 0 and <= SubDeviceRegistry.MaxIdLength } deviceId
                || PropertiesReport.ParseServices(device, receivedAt, maxServices, clockTolerance) is not { } services)
            {
                return SubDeviceBatch.Refused(expected);
            }
            reports.Add(new SubDeviceReport(deviceId, services));
        }
        return new SubDeviceBatch(reports);
    }
}
