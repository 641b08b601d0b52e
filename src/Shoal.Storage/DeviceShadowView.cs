using Microsoft.EntityFrameworkCore;

namespace Shoal.Storage;

/// <summary>
/// One service of a device shadow: what the application wants it to hold (with the version of that wish) and what the
/// device last reported. Either side is null when there is none.
/// </summary>
public sealed record ServiceShadow(
    string ServiceId, string? Desired, DateTimeOffset? DesiredAt, string? Reported, DateTimeOffset? ReportedAt, long Version);

/// <summary>The device shadow, read the same way for the device that asks for it and for the APIs.</summary>
public static class DeviceShadowView
{
    /// <summary>Every service with a desired or a reported value, by service ID; only <paramref name="serviceId"/> when given.</summary>
    public static async Task<List<ServiceShadow>> ReadAsync(ShoalDb db, string deviceId, string? serviceId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        var desired = db.DeviceDesiredStates.AsNoTracking().Where(d => d.DeviceId == deviceId);
        var reported = db.DeviceServiceStates.AsNoTracking().Where(s => s.DeviceId == deviceId);
        if (serviceId is not null)
        {
            desired = desired.Where(d => d.ServiceId == serviceId);
            reported = reported.Where(s => s.ServiceId == serviceId);
        }
        var wanted = await desired.ToDictionaryAsync(d => d.ServiceId, StringComparer.Ordinal, cancellationToken);
        var held = await reported.ToDictionaryAsync(s => s.ServiceId, StringComparer.Ordinal, cancellationToken);
        return
        [
            .. wanted.Keys.Union(held.Keys).Order(StringComparer.Ordinal).Select(id =>
            {
                var want = wanted.GetValueOrDefault(id);
                var have = held.GetValueOrDefault(id);
                return new ServiceShadow(id, want?.Desired, want?.EventTime, have?.Data, have?.EventTime, want?.Version ?? 0);
            }),
        ];
    }
}
