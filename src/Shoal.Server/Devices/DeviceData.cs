using Microsoft.EntityFrameworkCore;
using Shoal.Storage;
using Shoal.Storage.Entities;

namespace Shoal.Server.Devices;

internal sealed record HistoryQuery(
    string DeviceId, string? ServiceId, string? Property, DateTimeOffset? From, DateTimeOffset? To, int PageNo, int PageSize);

/// <summary>What devices reported, as the gateway stored it: the latest value per service and the history.</summary>
internal sealed class DeviceData(ShoalDb db)
{
    /// <summary>The latest value of every service of one device.</summary>
    public Task<List<DeviceServiceState>> LatestAsync(string deviceId, CancellationToken cancellationToken) =>
        db.DeviceServiceStates.AsNoTracking().Where(s => s.DeviceId == deviceId).OrderBy(s => s.ServiceId).ToListAsync(cancellationToken);

    /// <summary>The latest value of every service of each device, by device ID.</summary>
    public async Task<ILookup<string, DeviceServiceState>> LatestAsync(IReadOnlyCollection<string> deviceIds, CancellationToken cancellationToken)
    {
        var states = await db.DeviceServiceStates.AsNoTracking()
            .Where(s => deviceIds.Contains(s.DeviceId))
            .OrderBy(s => s.ServiceId)
            .ToListAsync(cancellationToken);
        return states.ToLookup(s => s.DeviceId);
    }

    /// <summary>A page of a device's history, newest first.</summary>
    public async Task<(IReadOnlyList<DeviceDataPoint> Points, int TotalCount)> HistoryAsync(
        string applicationId, HistoryQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        var points = db.DeviceDataPoints.AsNoTracking().Where(p => p.ApplicationId == applicationId && p.DeviceId == query.DeviceId);
        if (query.ServiceId is { } serviceId)
        {
            points = points.Where(p => p.ServiceId == serviceId);
        }
        if (query.Property is { } property)
        {
            var delimited = $",{property},";
            points = points.Where(p => p.PropertyNames.Contains(delimited));
        }
        if (query.From is { } from)
        {
            points = points.Where(p => p.EventTime >= from);
        }
        if (query.To is { } to)
        {
            points = points.Where(p => p.EventTime <= to);
        }
        var total = await points.CountAsync(cancellationToken);
        var page = await points.OrderByDescending(p => p.EventTime).ThenByDescending(p => p.Id)
            .Skip(query.PageNo * query.PageSize).Take(query.PageSize)
            .ToListAsync(cancellationToken);
        return (page, total);
    }
}
