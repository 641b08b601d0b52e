using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace Shoal.Gateway.Https;

/// <summary>
/// HTTPS device access, as the reference platform offers it to devices that cannot keep an MQTT connection:
/// authenticate for a token, then report with it.
/// </summary>
internal static class DeviceHttpsEndpoints
{
    public static IEndpointRouteBuilder MapDeviceHttps(this IEndpointRouteBuilder endpoints)
    {
        // Devices carry their own token, not a portal session: the portal's sign-in policy does not apply.
        var v5 = endpoints.MapGroup("/v5").AllowAnonymous();
        v5.MapPost("/device-auth", AuthenticateAsync);
        v5.MapPost("/devices/{deviceId}/sys/properties/report", ReportPropertiesAsync);
        v5.MapPost("/devices/{deviceId}/sys/messages/up", SendMessageAsync);
        v5.MapPost("/devices/{deviceId}/sys/gateway/sub-devices/properties/report", ReportSubDevicesAsync);
        return endpoints;
    }

    private static Task<Results<Ok<AccessTokenResponse>, JsonHttpResult<DeviceHttpsError>>> AuthenticateAsync(
        HttpRequest request, DeviceHttpsAccess access, CancellationToken cancellationToken) =>
        access.AuthenticateAsync(request, cancellationToken);

    private static Task<Results<Ok, JsonHttpResult<DeviceHttpsError>>> ReportPropertiesAsync(
        string deviceId, HttpRequest request, DeviceHttpsAccess access, CancellationToken cancellationToken) =>
        access.ReceiveAsync(deviceId, request, DeviceHttpsAccess.PropertiesReport, cancellationToken);

    private static Task<Results<Ok, JsonHttpResult<DeviceHttpsError>>> ReportSubDevicesAsync(
        string deviceId, HttpRequest request, DeviceHttpsAccess access, CancellationToken cancellationToken) =>
        access.ReceiveAsync(deviceId, request, DeviceHttpsAccess.SubDevicesReport, cancellationToken);

    private static Task<Results<Ok, JsonHttpResult<DeviceHttpsError>>> SendMessageAsync(
        string deviceId, HttpRequest request, DeviceHttpsAccess access, CancellationToken cancellationToken) =>
        access.ReceiveAsync(deviceId, request, DeviceHttpsAccess.MessageUp, cancellationToken);
}
