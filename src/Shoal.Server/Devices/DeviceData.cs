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
        var points = Matching(applicationId, query);
        var total = await points.CountAsync(cancellationToken);
        var page = await Page(points, query).ToListAsync(cancellationToken);
        return (page, total);
    }

    /// <summary>
    /// A page of a device's history, newest first, with only what an answer shows of each point (the device and
    /// application are the query's): no entity is built or tracked, and the data is read as stored.
    /// </summary>
    public async Task<(IReadOnlyList<HistoryRow> Points, int TotalCount)> HistoryRowsAsync(
        string applicationId, HistoryQuery query, CancellationToken cancellationToken)
    {
        var points = Matching(applicationId, query);
        var total = await points.CountAsync(cancellationToken);
        if (total <= query.PageNo * query.PageSize)
        {
            return ([], total);
        }
        var page = await Page(points, query).Select(p => new HistoryRow(p.ServiceId, p.Data, p.EventTime)).ToListAsync(cancellationToken);
        return (page, total);
    }

    /// <summary>The gateway of a device of the application — its parent, or itself when it connects — or null when there is no such device.</summary>
    public Task<string?> GatewayOfAsync(string applicationId, string deviceId, CancellationToken cancellationToken) =>
        db.Devices.AsNoTracking()
            .Where(d => d.Id == deviceId && d.ApplicationId == applicationId)
            .Select(d => d.GatewayId ?? d.Id)
            .FirstOrDefaultAsync(cancellationToken);

    private IQueryable<DeviceDataPoint> Matching(string applicationId, HistoryQuery query)
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
        return points;
    }

    private static IQueryable<DeviceDataPoint> Page(IQueryable<DeviceDataPoint> points, HistoryQuery query) =>
        points.OrderByDescending(p => p.EventTime).ThenByDescending(p => p.Id)
            .Skip(query.PageNo * query.PageSize).Take(query.PageSize);
}

/// <summary>One point of a history page as an answer shows it: its service, the data as stored, and when it was reported.</summary>
internal sealed record HistoryRow(string ServiceId, string Data, DateTimeOffset EventTime);
