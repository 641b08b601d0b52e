using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Shoal.Storage;
using Shoal.Storage.Entities;

namespace Shoal.Server.Devices;

internal sealed record HistoryQuery(
    string DeviceId, string? ServiceId, string? Property, DateTimeOffset? From, DateTimeOffset? To, int PageNo, int PageSize);

/// <summary>One numeric property of one service of a device over [<see cref="From"/>, <see cref="To"/>], in at most <see cref="Buckets"/> buckets.</summary>
internal sealed record AggregateQuery(string DeviceId, string ServiceId, string Property, DateTimeOffset From, DateTimeOffset To, int Buckets)
{
    /// <summary>
    /// How long one bucket is, in whole milliseconds (both databases count in them): just over the range split evenly,
    /// so a value at the range's very end still falls in the last bucket.
    /// </summary>
    public long BucketMilliseconds => (long)(To - From).TotalMilliseconds / Buckets + 1;
}

/// <summary>The values of one bucket that starts at <see cref="Time"/>; a raw point is a bucket of one.</summary>
internal sealed record AggregatePoint(DateTimeOffset Time, double Min, double Avg, double Max, long Count);

/// <summary>What a bucket query reads from the database: the bucket's number from the range's start and its values.</summary>
internal sealed class BucketRow
{
    public long Bucket { get; set; }
    public double Min { get; set; }
    public double Avg { get; set; }
    public double Max { get; set; }
    public long Count { get; set; }
}

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

    /// <summary>
    /// A numeric property over a range as min/avg/max per time bucket, grouped in the database; when the range holds
    /// fewer values than buckets, the values themselves (<c>Raw</c>). Values that are not numbers are left out.
    /// </summary>
    public async Task<(IReadOnlyList<AggregatePoint> Points, bool Raw)> AggregateAsync(
        string applicationId, AggregateQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        var buckets = await Buckets(applicationId, query).ToListAsync(cancellationToken);
        if (buckets.Sum(b => b.Count) >= query.Buckets)
        {
            return ([.. buckets.Select(b => new AggregatePoint(query.From.AddMilliseconds(b.Bucket * query.BucketMilliseconds), b.Min, b.Avg, b.Max, b.Count))], false);
        }
        var rows = await Matching(applicationId, new HistoryQuery(query.DeviceId, query.ServiceId, query.Property, query.From, query.To, 0, query.Buckets))
            .OrderBy(p => p.EventTime).ThenBy(p => p.Id).Select(p => new { p.EventTime, p.Data })
            .ToListAsync(cancellationToken);
        var points = new List<AggregatePoint>();
        foreach (var row in rows)
        {
            if (StoredData.Read(row.Data) is { ValueKind: JsonValueKind.Object } data && data.TryGetProperty(query.Property, out var value)
                && value.ValueKind == JsonValueKind.Number && value.TryGetDouble(out var number))
            {
                points.Add(new AggregatePoint(row.EventTime, number, number, number, 1));
            }
        }
        return (points, true);
    }

    /// <summary>
    /// The GROUP BY of <see cref="AggregateAsync"/>. Only rows that name the property (the PropertyNames index of the
    /// history) are read; the value is taken with each database's JSON functions. SQLite keeps times as UTC ticks.
    /// </summary>
    private IQueryable<BucketRow> Buckets(string applicationId, AggregateQuery query)
    {
        var delimited = $",{query.Property},";
        var size = query.BucketMilliseconds;
        if (db is PostgresShoalDb)
        {
            return db.Database.SqlQuery<BucketRow>($"""
                SELECT "Bucket", MIN("Value") AS "Min", AVG("Value") AS "Avg", MAX("Value") AS "Max", COUNT(*) AS "Count"
                FROM (
                    SELECT floor(extract(epoch FROM ("EventTime" - {query.From})) * 1000 / {size})::bigint AS "Bucket",
                           CASE WHEN jsonb_typeof("Data"::jsonb -> {query.Property}) = 'number' THEN ("Data"::jsonb ->> {query.Property})::double precision END AS "Value"
                    FROM "DeviceDataPoints"
                    WHERE "DeviceId" = {query.DeviceId} AND "ApplicationId" = {applicationId} AND "EventTime" >= {query.From} AND "EventTime" <= {query.To}
                      AND "ServiceId" = {query.ServiceId} AND strpos("PropertyNames", {delimited}) > 0
                ) AS "Points"
                WHERE "Value" IS NOT NULL
                GROUP BY "Bucket"
                ORDER BY "Bucket"
                """);
        }
        var path = "$.\"" + query.Property.Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";
        return db.Database.SqlQuery<BucketRow>($"""
            SELECT "Bucket", MIN("Value") AS "Min", AVG("Value") AS "Avg", MAX("Value") AS "Max", COUNT(*) AS "Count"
            FROM (
                SELECT ("EventTime" - {query.From.UtcTicks}) / {size * TimeSpan.TicksPerMillisecond} AS "Bucket",
                       CASE WHEN json_type("Data", {path}) IN ('integer', 'real') THEN json_extract("Data", {path}) END AS "Value"
                FROM "DeviceDataPoints"
                WHERE "DeviceId" = {query.DeviceId} AND "ApplicationId" = {applicationId} AND "EventTime" >= {query.From.UtcTicks} AND "EventTime" <= {query.To.UtcTicks}
                  AND "ServiceId" = {query.ServiceId} AND instr("PropertyNames", {delimited}) > 0
            ) AS "Points"
            WHERE "Value" IS NOT NULL
            GROUP BY "Bucket"
            ORDER BY "Bucket"
            """);
    }

    /// <summary>Every point of a device's history in a range, oldest first, read as the database sends them: never all in memory.</summary>
    public IAsyncEnumerable<HistoryRow> ExportAsync(string applicationId, HistoryQuery query) =>
        Matching(applicationId, query).OrderBy(p => p.EventTime).ThenBy(p => p.Id)
            .Select(p => new HistoryRow(p.ServiceId, p.Data, p.EventTime)).AsAsyncEnumerable();

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
