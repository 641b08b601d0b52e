using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Shoal.Gateway;
using Shoal.Server.Audit;
using Shoal.Server.Common;

namespace Shoal.Server.Devices;

public sealed record ServicePropertiesRequest(string? ServiceId, JsonElement? Properties);

public sealed record SetPropertiesRequest(IReadOnlyList<ServicePropertiesRequest>? Services);

public sealed record DeviceEventRequest(string? ServiceId, string? EventType, JsonElement? Paras);

/// <summary>
/// Calls that reach a connected device now and wait for its answer: set or read its properties, send it a message or an event.
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
            .WithSummary("Publishes a JSON message to the connected device: on sys/messages/down, or with ?topic= on user/{topic}, which the device subscribes to.");
        group.MapPost("/events", SendEvent)
            .WithSummary("Publishes an event to the connected device (sys/events/down): one of its own services, or $ota version_query.");
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
        JsonElement message, string? topic, CancellationToken cancellationToken)
    {
        if (topic is not null && !TopicPolicy.IsUserTopic(topic))
        {
            return new InvalidInput(FieldErrors.Of("topic", TopicPolicy.UserTopicRule)).ToProblem();
        }
        if (await FindDeviceAsync(http, applications, registry, id, deviceId, cancellationToken) is { } missing)
        {
            return missing;
        }
        var reply = await requests.SendMessageAsync(deviceId, message, topic, cancellationToken);
        return reply.Status == DeviceReplyStatus.Answered ? TypedResults.Accepted((string?)null) : ToProblem(reply);
    }

    /// <summary>The system events an owner may send: the others belong to exchanges Shoal itself conducts.</summary>
    private static readonly HashSet<(string ServiceId, string EventType)> SystemEventsDown = [("$ota", "version_query")];

    private static async Task<Results<Accepted, ProblemHttpResult>> SendEvent(
        HttpContext http, Applications.Applications applications, DeviceRegistry registry, DeviceRequests requests, string id, string deviceId,
        DeviceEventRequest request, CancellationToken cancellationToken)
    {
        var errors = new FieldErrors();
        if (request.ServiceId is not { Length: > 0 and <= 64 } serviceId)
        {
            errors.Add("serviceId", "Give the service (1–64 characters).");
        }
        else if (serviceId.StartsWith('$') && !SystemEventsDown.Contains((serviceId, request.EventType ?? "")))
        {
            errors.Add("serviceId", "Of the system services, only $ota with eventType version_query may be sent; the others answer the device's own requests.");
        }
        if (request.EventType is not { Length: > 0 and <= 64 })
        {
            errors.Add("eventType", "Give the event type (1–64 characters).");
        }
        if (request.Paras is { ValueKind: not JsonValueKind.Object })
        {
            errors.Add("paras", "paras is a JSON object.");
        }
        if (errors.Any)
        {
            return new InvalidInput(errors).ToProblem();
        }
        if (await FindDeviceAsync(http, applications, registry, id, deviceId, cancellationToken) is { } missing)
        {
            return missing;
        }
        var paras = request.Paras ?? JsonSerializer.Deserialize<JsonElement>("{}");
        var reply = await requests.SendEventAsync(deviceId, request.ServiceId!, request.EventType!, paras, cancellationToken);
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

    private static ProblemHttpResult ToProblem(DeviceReply reply) => Unanswered(reply).ToProblem();

    /// <summary>
    /// Why a request went unanswered: the device is not connected to this node, takes only commands (LwM2M), or did not
    /// answer in time.
    /// </summary>
    public static Refused Unanswered(DeviceReply reply) => reply.Status switch
    {
        DeviceReplyStatus.TimedOut => new Refused(StatusCodes.Status504GatewayTimeout, "The device did not answer in time."),
        DeviceReplyStatus.CommandsOnly => new Refused(StatusCodes.Status409Conflict, "The device is connected over LwM2M, which takes only commands.",
            "Send it a command instead: Shoal writes commands to the device's /19/1/0."),
        _ => new Refused(StatusCodes.Status409Conflict, "The device is not connected.", "It must be online, connected to the node that took this call."),
    };
}
