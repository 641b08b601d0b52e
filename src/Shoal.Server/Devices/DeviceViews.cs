using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Shoal.Server.Northbound;
using Shoal.Storage;
using Shoal.Storage.Entities;

namespace Shoal.Server.Devices;

/// <summary>A device's northbound object, written as JSON, and the application it belongs to.</summary>
internal sealed record DeviceView(string ApplicationId, byte[] Json);

/// <summary>
/// The northbound object of each device read recently, written once and served from memory until a change to the
/// device (its registration, status or latest values) voids it on every node.
/// </summary>
internal sealed class DeviceViews
{
    /// <summary>How long a view is served without a change to void it: the bound for a change relayed late.</summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(10);

    private readonly ChangeCache<DeviceView> _views;
    private readonly IServiceScopeFactory _scopes;

    public DeviceViews(IServiceScopeFactory scopes, Changes changes, TimeProvider time)
    {
        _scopes = scopes;
        _views = new ChangeCache<DeviceView>(time, Lifetime, capacity: 50_000).VoidedBy(changes, ChangeKind.Device, ChangeKind.DeviceState);
    }

    /// <summary>The device's view, or null when no such device exists.</summary>
    public async ValueTask<DeviceView?> FindAsync(string deviceId, CancellationToken cancellationToken)
    {
        if (_views.TryGet(deviceId, out var view))
        {
            return view;
        }
        var stamp = _views.Stamp(deviceId);
        await using var scope = _scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ShoalDb>();
        var device = await db.Devices.AsNoTracking().SingleOrDefaultAsync(d => d.Id == deviceId, cancellationToken);
        if (device is null)
        {
            return null;
        }
        var latest = await scope.ServiceProvider.GetRequiredService<DeviceData>().LatestAsync(deviceId, cancellationToken);
        view = Write(device, latest);
        _views.Set(deviceId, view, deviceId, stamp);
        return view;
    }

    /// <summary>The views of <paramref name="deviceIds"/> in their order, without those that no longer exist; one read for all it lacks.</summary>
    public async Task<IReadOnlyList<DeviceView>> FindAsync(IReadOnlyList<string> deviceIds, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(deviceIds);
        var views = new DeviceView?[deviceIds.Count];
        var missing = new Dictionary<string, (int Index, long Stamp)>(StringComparer.Ordinal);
        for (var i = 0; i < deviceIds.Count; i++)
        {
            if (!_views.TryGet(deviceIds[i], out var view))
            {
                missing[deviceIds[i]] = (i, _views.Stamp(deviceIds[i]));
            }
            views[i] = view;
        }
        if (missing.Count > 0)
        {
            await using var scope = _scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<ShoalDb>();
            var ids = missing.Keys.ToList();
            var devices = await db.Devices.AsNoTracking().Where(d => ids.Contains(d.Id)).ToListAsync(cancellationToken);
            var latest = await scope.ServiceProvider.GetRequiredService<DeviceData>().LatestAsync(ids, cancellationToken);
            foreach (var device in devices)
            {
                var (index, stamp) = missing[device.Id];
                views[index] = Write(device, latest[device.Id]);
                _views.Set(device.Id, views[index]!, device.Id, stamp);
            }
        }
        return [.. views.OfType<DeviceView>()];
    }

    private static DeviceView Write(Device device, IEnumerable<DeviceServiceState> latest) => new(device.ApplicationId,
        JsonSerializer.SerializeToUtf8Bytes(NorthboundDeviceEndpoints.DeviceResponse.From(device, latest), NorthboundJson.Options));
}
