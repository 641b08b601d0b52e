using System.Text.Json;
using Shoal.Server.Audit;
using Shoal.Server.Common;
using Shoal.Server.Northbound;
using Shoal.Storage;
using Shoal.Storage.Entities;

namespace Shoal.Server.Devices;

/// <summary>The device shadow calls of the northbound API: read the shadow, change its desired values.</summary>
internal static class NorthboundShadowEndpoints
{
    private const string Path = "/shadow/v1.5.0/devices/{deviceId}";

    public static IEndpointRouteBuilder MapNorthboundShadow(this IEndpointRouteBuilder routes)
    {
        routes.MapGet(Path, Get);
        routes.MapPut(Path, Modify);
        return routes;
    }

    private static async Task<IResult> Get(HttpContext http, DeviceRegistry registry, DesiredValues desired, string deviceId, CancellationToken cancellationToken)
    {
        var device = await registry.FindAsync(NorthboundCaller.Of(http).TargetApplicationId, deviceId, cancellationToken);
        if (device is null)
        {
            return NorthboundError.DeviceMissing().ToResult();
        }
        return TypedResults.Json(ShadowResponse.From(device, await desired.ReadAsync(device.Id, cancellationToken)), NorthboundJson.Options);
    }

    private static async Task<IResult> Modify(HttpContext http, DesiredValues desired, string deviceId, CancellationToken cancellationToken)
    {
        var (body, error) = await NorthboundJson.ReadAsync<ModifyShadowRequest>(http.Request, cancellationToken);
        if (error is not null)
        {
            return error.ToResult();
        }
        if (body!.ServiceDesireds is null)
        {
            return NorthboundError.Missing("serviceDesireds").ToResult();
        }
        var changes = body.ServiceDesireds.Select(s => new DesiredChange(s?.ServiceId, s?.Desired)).ToList();
        if (DesiredValues.Check(changes, "serviceDesireds") is { Any: true } errors)
        {
            return NorthboundError.Invalid(string.Join(" ", errors.SelectMany(e => e.Value))).ToResult();
        }
        var caller = NorthboundCaller.Of(http);
        var outcome = await desired.SetAsync(caller.TargetApplicationId, deviceId, changes, ActorOf(http, caller), cancellationToken);
        return outcome.Failure switch
        {
            null => TypedResults.Ok(),
            Missing => NorthboundError.DeviceMissing().ToResult(),
            InvalidInput invalid => NorthboundError.Invalid(string.Join(" ", invalid.Errors.SelectMany(e => e.Value))).ToResult(),
            var failure => NorthboundError.Invalid(failure.Title).ToResult(),
        };
    }

    private static Actor ActorOf(HttpContext http, NorthboundCaller caller) =>
        new(null, caller.ActsForAnother ? $"NA of application {caller.CallerId} (granted {caller.Grant})" : $"NA of application {caller.CallerId}",
            http.Connection.RemoteIpAddress?.ToString());

    private sealed record ServiceDesiredBody(string? ServiceId, JsonElement? Desired);

    private sealed record ModifyShadowRequest(IReadOnlyList<ServiceDesiredBody?>? ServiceDesireds);

    private sealed record ShadowResponse(
        string DeviceId, string GatewayId, string NodeType, string CreateTime, string LastModifiedTime,
        NorthboundDeviceEndpoints.DeviceInfoResponse DeviceInfo, IReadOnlyList<ShadowServiceResponse> Services)
    {
        public static ShadowResponse From(Device d, List<ServiceShadow> services) => new(
            d.Id, d.GatewayId ?? d.Id, d.NodeType, NorthboundJson.Time(d.CreatedAt), NorthboundJson.Time(d.LastModifiedAt),
            NorthboundDeviceEndpoints.DeviceInfoResponse.From(d),
            [.. services.Select(ShadowServiceResponse.From)]);
    }

    /// <summary>
    /// A service of the shadow as the reference platform shows it: the properties the device reported and those the
    /// application wants, with the time of the report (or of the wish, before any report).
    /// </summary>
    private sealed record ShadowServiceResponse(string ServiceId, string ServiceType, JsonElement? ReportedProps, JsonElement? DesiredProps, string EventTime)
    {
        public static ShadowServiceResponse From(ServiceShadow s) => new(
            s.ServiceId, s.ServiceId,
            s.Reported is null ? null : StoredData.Read(s.Reported),
            s.Desired is null ? null : StoredData.Read(s.Desired),
            NorthboundJson.Time((s.ReportedAt ?? s.DesiredAt)!.Value));
    }
}
