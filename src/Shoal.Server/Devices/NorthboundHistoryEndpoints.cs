using Shoal.Server.Northbound;

namespace Shoal.Server.Devices;

/// <summary>The device data history call of the northbound API, on both path versions NAs use.</summary>
internal static class NorthboundHistoryEndpoints
{
    public static IEndpointRouteBuilder MapNorthboundDeviceHistory(this IEndpointRouteBuilder routes)
    {
        routes.MapGet("/data/v1.1.0/deviceDataHistory", History);
        routes.MapGet("/data/v1.2.0/deviceDataHistory", History);
        return routes;
    }

    private static async Task<IResult> History(HttpContext http, DeviceData data, CancellationToken cancellationToken)
    {
        var (query, error) = ParseQuery(http.Request.Query);
        if (error is not null)
        {
            return error.ToResult();
        }
        var applicationId = NorthboundCaller.Of(http).TargetApplicationId;
        // A device that connects is its own gateway; a sub-device's is its parent. Any other gatewayId has no data for it.
        var gatewayId = await data.GatewayOfAsync(applicationId, query!.DeviceId, cancellationToken);
        if (gatewayId != http.Request.Query["gatewayId"])
        {
            query = query with { DeviceId = "" };
        }
        var (points, total) = await data.HistoryRowsAsync(applicationId, query, cancellationToken);
        return TypedResults.Json(
            new HistoryResponse(total, query.PageNo, query.PageSize, [.. points.Select(p => new HistoryPoint(
                query.DeviceId, gatewayId!, applicationId, p.ServiceId, new StoredJson(p.Data), NorthboundJson.Time(p.EventTime)))]),
            NorthboundJson.Options);
    }

    private static (HistoryQuery? Query, NorthboundError? Error) ParseQuery(IQueryCollection query)
    {
        string? deviceId = query["deviceId"];
        string? gatewayId = query["gatewayId"];
        if (string.IsNullOrEmpty(deviceId) || string.IsNullOrEmpty(gatewayId))
        {
            return (null, NorthboundError.Missing(string.IsNullOrEmpty(deviceId) ? "deviceId" : "gatewayId"));
        }
        var (page, error) = NorthboundPage.Parse(query);
        if (error is not null)
        {
            return (null, error);
        }
        (var range, error) = NorthboundTimeRange.Parse(query);
        if (error is not null)
        {
            return (null, error);
        }
        return (new HistoryQuery(deviceId, NullIfEmpty(query["serviceId"]), NullIfEmpty(query["property"]), range.From, range.To, page.PageNo, page.PageSize), null);
    }

    private static string? NullIfEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;

    private sealed record HistoryResponse(int TotalCount, int PageNo, int PageSize, IReadOnlyList<HistoryPoint> DeviceDataHistoryDTOs);

    private sealed record HistoryPoint(string DeviceId, string GatewayId, string AppId, string ServiceId, StoredJson Data, string Timestamp);
}
