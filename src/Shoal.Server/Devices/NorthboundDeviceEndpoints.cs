using System.Buffers;
using System.Text.Json;
using Shoal.Server.Audit;
using Shoal.Server.Common;
using Shoal.Server.Northbound;
using Shoal.Storage.Entities;

namespace Shoal.Server.Devices;

/// <summary>The device calls of the northbound API, on every path version NAs use.</summary>
internal static class NorthboundDeviceEndpoints
{
    private static readonly string[] ManagementVersions = ["v1.1.0", "v1.2.0", "v1.3.0", "v1.4.0"];

    public static IEndpointRouteBuilder MapNorthboundDevices(this IEndpointRouteBuilder routes)
    {
        foreach (var path in new[] { "/reg/v1.1.0/deviceCredentials", "/reg/v1.1.0/devices", "/reg/v1.2.0/devices" })
        {
            routes.MapPost(path, Register);
        }
        routes.MapGet("/reg/v1.1.0/deviceCredentials/{deviceId}", RegistrationState);
        routes.MapGet("/reg/v1.1.0/devices/{deviceId}", RegistrationState);
        routes.MapPut("/reg/v1.1.0/deviceCredentials/{deviceId}", RefreshKey);
        foreach (var version in ManagementVersions)
        {
            routes.MapGet($"/dm/{version}/devices", List);
            routes.MapGet($"/dm/{version}/devices/{{deviceId}}", Get);
            routes.MapPut($"/dm/{version}/devices/{{deviceId}}", Modify);
            routes.MapDelete($"/dm/{version}/devices/{{deviceId}}", Delete);
        }
        return routes;
    }

    private static async Task<IResult> Register(HttpContext http, DeviceRegistry registry, CancellationToken cancellationToken)
    {
        var (body, error) = await NorthboundJson.ReadAsync<RegisterRequest>(http.Request, cancellationToken);
        if (error is not null)
        {
            return error.ToResult();
        }
        var caller = NorthboundCaller.Of(http);
        var outcome = await registry.RegisterAsync(
            caller.TargetApplicationId,
            new DeviceRegistration(body!.NodeId, body.VerifyCode, body.Timeout, body.Psk, body.ProductId, body.DeviceInfo?.ToDomain()),
            ActorOf(http, caller), cancellationToken);
        if (!outcome.Succeeded)
        {
            return ToError(outcome.Failure!).ToResult();
        }
        var (device, secret) = outcome.Value!;
        http.Response.Headers.CacheControl = "no-store";
        return TypedResults.Json(new RegisterResponse(device.Id, device.VerifyCode, device.Timeout, secret), NorthboundJson.Options);
    }

    private static async Task<IResult> RegistrationState(HttpContext http, DeviceRegistry registry, string deviceId, CancellationToken cancellationToken)
    {
        var device = await registry.FindAsync(NorthboundCaller.Of(http).TargetApplicationId, deviceId, cancellationToken);
        return device is null
            ? NorthboundError.DeviceMissing().ToResult()
            : TypedResults.Json(new RegistrationStateResponse(device.Id, device.Activated, device.Name), NorthboundJson.Options);
    }

    private static async Task<IResult> RefreshKey(HttpContext http, DeviceRegistry registry, string deviceId, CancellationToken cancellationToken)
    {
        var (body, error) = await NorthboundJson.ReadAsync<RefreshKeyRequest>(http.Request, cancellationToken);
        if (error is not null)
        {
            return error.ToResult();
        }
        var caller = NorthboundCaller.Of(http);
        var outcome = await registry.ResetSecretAsync(caller.TargetApplicationId, deviceId, body!.Psk, ActorOf(http, caller), cancellationToken);
        if (!outcome.Succeeded)
        {
            return ToError(outcome.Failure!).ToResult();
        }
        http.Response.Headers.CacheControl = "no-store";
        var (device, secret) = outcome.Value!;
        return TypedResults.Json(new RegisterResponse(device.Id, device.VerifyCode, device.Timeout, secret), NorthboundJson.Options);
    }

    private static async Task<IResult> Get(HttpContext http, DeviceViews views, string deviceId, CancellationToken cancellationToken)
    {
        var view = await views.FindAsync(deviceId, cancellationToken);
        return view is null || view.ApplicationId != NorthboundCaller.Of(http).TargetApplicationId
            ? NorthboundError.DeviceMissing().ToResult()
            : TypedResults.Bytes(view.Json, NorthboundJson.ContentType);
    }

    private static async Task<IResult> List(
        HttpContext http, DeviceRegistry registry, DevicePages pages, DeviceViews views, CancellationToken cancellationToken)
    {
        var (query, error) = ParseQuery(http.Request.Query);
        if (error is not null)
        {
            return error.ToResult();
        }
        var (deviceIds, total) = await pages.ListIdsAsync(registry, NorthboundCaller.Of(http).TargetApplicationId, query!, cancellationToken);
        var page = await views.FindAsync(deviceIds, cancellationToken);
        var body = new ArrayBufferWriter<byte>();
        using (var json = new Utf8JsonWriter(body))
        {
            json.WriteStartObject();
            json.WriteNumber("totalCount", total);
            json.WriteNumber("pageNo", query!.PageNo);
            json.WriteNumber("pageSize", query.PageSize);
            json.WriteStartArray("devices");
            foreach (var view in page)
            {
                json.WriteRawValue(view.Json, skipInputValidation: true);
            }
            json.WriteEndArray();
            json.WriteEndObject();
        }
        return TypedResults.Bytes(body.WrittenMemory.ToArray(), NorthboundJson.ContentType);
    }

    private static async Task<IResult> Modify(HttpContext http, DeviceRegistry registry, string deviceId, CancellationToken cancellationToken)
    {
        var (body, error) = await NorthboundJson.ReadAsync<DeviceInfoBody>(http.Request, cancellationToken);
        if (error is not null)
        {
            return error.ToResult();
        }
        var caller = NorthboundCaller.Of(http);
        var outcome = await registry.ModifyAsync(caller.TargetApplicationId, deviceId, body!.ToDomain(), ActorOf(http, caller), cancellationToken);
        return outcome.Succeeded ? TypedResults.NoContent() : ToError(outcome.Failure!).ToResult();
    }

    private static async Task<IResult> Delete(HttpContext http, DeviceRegistry registry, string deviceId, CancellationToken cancellationToken)
    {
        var caller = NorthboundCaller.Of(http);
        var outcome = await registry.DeleteAsync(caller.TargetApplicationId, deviceId, ActorOf(http, caller), cancellationToken);
        return outcome.Succeeded ? TypedResults.NoContent() : ToError(outcome.Failure!).ToResult();
    }

    private static (DeviceQuery? Query, NorthboundError? Error) ParseQuery(IQueryCollection query)
    {
        var (page, error) = NorthboundPage.Parse(query);
        if (error is not null)
        {
            return (null, error);
        }
        DeviceStatus? status = null;
        if (query.TryGetValue("status", out var statusText))
        {
            if (!Enum.TryParse<DeviceStatus>(statusText, ignoreCase: true, out var parsed) || int.TryParse(statusText, out _))
            {
                return (null, NorthboundError.Invalid("status must be ONLINE, OFFLINE or INACTIVE."));
            }
            status = parsed;
        }
        (var range, error) = NorthboundTimeRange.Parse(query);
        if (error is not null)
        {
            return (null, error);
        }
        var sort = query["sort"].FirstOrDefault();
        if (sort is not (null or "ASC" or "DESC"))
        {
            return (null, NorthboundError.Invalid("sort must be ASC or DESC (by creation time)."));
        }
        return (new DeviceQuery(page.PageNo, page.PageSize, status, range.From, range.To, sort == "ASC"), null);
    }

    private static Actor ActorOf(HttpContext http, NorthboundCaller caller) =>
        new(null, caller.ActsForAnother ? $"NA of application {caller.CallerId} (granted {caller.Grant})" : $"NA of application {caller.CallerId}",
            http.Connection.RemoteIpAddress?.ToString());

    private static NorthboundError ToError(Failure failure) => failure switch
    {
        Missing => NorthboundError.DeviceMissing(),
        NodeIdTaken => NorthboundError.NodeIdTaken(),
        RequiredMissing required => NorthboundError.Missing(required.Field),
        InvalidInput invalid => NorthboundError.Invalid(string.Join(" ", invalid.Errors.SelectMany(e => e.Value))),
        _ => NorthboundError.Invalid(failure.Title),
    };

    private sealed record RegisterRequest(string? NodeId, string? VerifyCode, int? Timeout, string? Psk, string? ProductId, DeviceInfoBody? DeviceInfo);

    private sealed record RefreshKeyRequest(string? Psk);

    private sealed record DeviceInfoBody(
        string? Name, string? ManufacturerName, string? Model, string? DeviceType, string? ProtocolType, string? Location, string? Description)
    {
        public DeviceInfo ToDomain() => new(Name, ManufacturerName, Model, DeviceType, ProtocolType, Location, Description);
    }

    private sealed record RegisterResponse(string DeviceId, string VerifyCode, int Timeout, string Psk);

    private sealed record RegistrationStateResponse(string DeviceId, bool Activated, string? Name);

    internal sealed record DeviceInfoResponse(
        string NodeId, string? Name, string? Description, string? ManufacturerName, string? DeviceType, string? Model,
        string? ProtocolType, string? Location, string Status, string StatusDetail)
    {
        public static DeviceInfoResponse From(Device d) => new(
            d.NodeId, d.Name, d.Description, d.Manufacturer, d.DeviceType, d.Model, d.ProtocolType, d.Location, d.Status.ToString().ToUpperInvariant(), "NONE");
    }

    internal sealed record DeviceResponse(
        string DeviceId, string GatewayId, string NodeType, string CreateTime, string CreationTime, string LastModifiedTime,
        DeviceInfoResponse DeviceInfo, IReadOnlyList<ServiceResponse> Services)
    {
        public static DeviceResponse From(Device d, IEnumerable<DeviceServiceState> services) => new(
            d.Id, d.GatewayId ?? d.Id, d.NodeType, NorthboundJson.Time(d.CreatedAt), NorthboundJson.Time(d.CreatedAt), NorthboundJson.Time(d.LastModifiedAt),
            DeviceInfoResponse.From(d),
            [.. services.Select(s => new ServiceResponse(s.ServiceId, s.ServiceId, StoredData.Read(s.Data), NorthboundJson.Time(s.EventTime)))]);
    }

    /// <summary>The latest value of one service; the reference platform names the service type after the service.</summary>
    internal sealed record ServiceResponse(string ServiceId, string ServiceType, JsonElement Data, string EventTime);
}
