using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Shoal.Gateway;
using Shoal.Server.Audit;
using Shoal.Server.Common;

namespace Shoal.Server.Devices;

public sealed record ServicePropertiesRequest(string? ServiceId, JsonElement? Properties);

public sealed record SetPropertiesRequest(IReadOnlyList<ServicePropertiesRequest>? Services);

/// <summary>
/// Calls that reach a connected device now and wait for its answer: set or read its properties, send it a message.
/// They go through the node the caller reached: a device connected elsewhere (or nowhere) answers 409.
/// </summary>
internal static class DeviceRequestEndpoints
{
    public static IEndpointRouteBuilder MapDeviceRequests(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/applications/{id}/devices/{deviceId}").WithTags("Devices");
        group.MapPut("/properties", SetProperties)
            .WithSummary("Sets properties on the connected device and returns its answer (sys/properties/set).");
        group.MapGet("/properties", GetProperties)
            .WithSummary("Asks the connected device for its current properties and returns its answer (sys/properties/get).");
        group.MapPost("/messages", SendMessage)
            .WithSummary("Publishes a JSON message to the connected device (sys/messages/down).");
        return routes;
    }

    private static async Task<Results<Ok<JsonElement>, ProblemHttpResult>> SetProperties(
        HttpContext http, Applications.Applications applications, DeviceRegistry registry, DeviceRequests requests, string id, string deviceId,
        SetPropertiesRequest request, CancellationToken cancellationToken)
    {
        var errors = new FieldErrors();
        if (request.Services is not { Count: > 0 } services)
        {
            errors.Add("services", "Give at least one service with its properties.");
        }
        else if (services.Any(s => s.ServiceId is not { Length: > 0 and <= 64 } || s.Properties is not { ValueKind: JsonValueKind.Object }))
        {
            errors.Add("services", "Each service needs a serviceId (1–64 characters) and a properties object.");
        }
        if (errors.Any)
        {
            return new InvalidInput(errors).ToProblem();
        }
        if (await FindDeviceAsync(http, applications, registry, id, deviceId, cancellationToken) is { } missing)
        {
            return missing;
        }
        var reply = await requests.SetPropertiesAsync(
            deviceId, [.. request.Services!.Select(s => (s.ServiceId!, s.Properties!.Value))], cancellationToken);
        return ToResult(reply);
    }

    private static async Task<Results<Ok<JsonElement>, ProblemHttpResult>> GetProperties(
        HttpContext http, Applications.Applications applications, DeviceRegistry registry, DeviceRequests requests, string id, string deviceId,
        string? serviceId, CancellationToken cancellationToken)
    {
        if (await FindDeviceAsync(http, applications, registry, id, deviceId, cancellationToken) is { } missing)
        {
            return missing;
        }
        return ToResult(await requests.GetPropertiesAsync(deviceId, string.IsNullOrEmpty(serviceId) ? null : serviceId, cancellationToken));
    }

    private static async Task<Results<Accepted, ProblemHttpResult>> SendMessage(
        HttpContext http, Applications.Applications applications, DeviceRegistry registry, DeviceRequests requests, string id, string deviceId,
        JsonElement message, CancellationToken cancellationToken)
    {
        if (await FindDeviceAsync(http, applications, registry, id, deviceId, cancellationToken) is { } missing)
        {
            return missing;
        }
        var reply = await requests.SendMessageAsync(deviceId, message, cancellationToken);
        return reply.Status == DeviceReplyStatus.Answered ? TypedResults.Accepted((string?)null) : ToProblem(reply);
    }

    private static async Task<ProblemHttpResult?> FindDeviceAsync(
        HttpContext http, Applications.Applications applications, DeviceRegistry registry, string id, string deviceId, CancellationToken cancellationToken)
    {
        var found = await applications.FindAsync(Actor.From(http).RequiredId, id, cancellationToken) is not null
            && await registry.FindAsync(id, deviceId, cancellationToken) is not null;
        return found ? null : new Missing("Device").ToProblem();
    }

    private static Results<Ok<JsonElement>, ProblemHttpResult> ToResult(DeviceReply reply) =>
        reply.Status == DeviceReplyStatus.Answered ? TypedResults.Ok(JsonSerializer.Deserialize<JsonElement>(reply.Json!)) : ToProblem(reply);

    private static ProblemHttpResult ToProblem(DeviceReply reply) => (reply.Status == DeviceReplyStatus.TimedOut
        ? new Refused(StatusCodes.Status504GatewayTimeout, "The device did not answer in time.")
        : new Refused(StatusCodes.Status409Conflict, "The device is not connected.", "It must be online, connected to the node that took this call.")).ToProblem();
}
