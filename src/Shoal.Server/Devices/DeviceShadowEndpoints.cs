using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Shoal.Server.Audit;
using Shoal.Server.Common;
using Shoal.Storage;

namespace Shoal.Server.Devices;

/// <summary>Desired properties for one service; a property set to null is removed from the desired values.</summary>
public sealed record DesiredServiceRequest(string? ServiceId, JsonElement? Desired);

public sealed record SetDesiredRequest(IReadOnlyList<DesiredServiceRequest>? Services);

/// <summary>One side of a service's shadow: its properties and when they were set or reported.</summary>
public sealed record ShadowSideResponse(JsonElement Properties, DateTimeOffset EventTime);

/// <summary>
/// A service of the device shadow: what the application wants, what the device last reported, and the version of the
/// desired values (0 when there are none).
/// </summary>
public sealed record ServiceShadowResponse(string ServiceId, ShadowSideResponse? Desired, ShadowSideResponse? Reported, long Version);

/// <summary>The device shadow in the management API: the owner reads it and sets the desired values.</summary>
internal static class DeviceShadowEndpoints
{
    public static IEndpointRouteBuilder MapDeviceShadow(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/applications/{id}/devices/{deviceId}/shadow").WithTags("Devices");
        group.MapGet("/", Get)
            .WithName("GetDeviceShadow").WithSummary("The device shadow: desired and reported properties of each service.");
        group.MapPut("/", SetDesired)
            .WithName("SetDeviceDesiredValues")
            .WithSummary("Merges desired properties into the device shadow (null removes one); the device is sent those it does not report.");
        return routes;
    }

    private static async Task<Results<Ok<List<ServiceShadowResponse>>, ProblemHttpResult>> Get(
        HttpContext http, Applications.Applications applications, DeviceRegistry registry, DesiredValues desired, string id, string deviceId,
        CancellationToken cancellationToken)
    {
        if (await applications.FindAsync(Actor.From(http).RequiredId, id, cancellationToken) is null
            || await registry.FindAsync(id, deviceId, cancellationToken) is null)
        {
            return new Missing("Device").ToProblem();
        }
        return TypedResults.Ok(ToResponse(await desired.ReadAsync(deviceId, cancellationToken)));
    }

    private static async Task<Results<Ok<List<ServiceShadowResponse>>, ProblemHttpResult>> SetDesired(
        HttpContext http, Applications.Applications applications, DesiredValues desired, string id, string deviceId, SetDesiredRequest request,
        CancellationToken cancellationToken)
    {
        var actor = Actor.From(http);
        if (await applications.FindAsync(actor.RequiredId, id, cancellationToken) is null)
        {
            return new Missing("Device").ToProblem();
        }
        var changes = request.Services?.Select(s => new DesiredChange(s.ServiceId, s.Desired)).ToList();
        if (DesiredValues.Check(changes, "services") is { Any: true } errors)
        {
            return new InvalidInput(errors).ToProblem();
        }
        var outcome = await desired.SetAsync(id, deviceId, changes!, actor, cancellationToken);
        return outcome.Succeeded ? TypedResults.Ok(ToResponse(await desired.ReadAsync(deviceId, cancellationToken))) : outcome.Failure!.ToProblem();
    }

    private static List<ServiceShadowResponse> ToResponse(List<ServiceShadow> shadow) =>
    [
        .. shadow.Select(s => new ServiceShadowResponse(s.ServiceId, Side(s.Desired, s.DesiredAt), Side(s.Reported, s.ReportedAt), s.Version)),
    ];

    private static ShadowSideResponse? Side(string? properties, DateTimeOffset? at) =>
        properties is null ? null : new ShadowSideResponse(StoredData.Read(properties), at!.Value);
}
