using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Shoal.Server.Audit;
using Shoal.Server.Common;
using Shoal.Storage;
using Shoal.Storage.Entities;

namespace Shoal.Server.Devices;

/// <summary>
/// A message a device sent: <see cref="Message"/> when it was JSON, else <see cref="Base64"/>; <see cref="Topic"/> when
/// the device sent it on a topic of its own naming rather than <c>sys/messages/up</c>.
/// </summary>
public sealed record DeviceMessageResponse(long Id, DateTimeOffset ReceivedAt, string? Topic, JsonElement? Message, string? Base64);

/// <summary>Messages newest first; <see cref="Before"/> asks for the next older page, and is null on the last one.</summary>
public sealed record DeviceMessagePage(IReadOnlyList<DeviceMessageResponse> Items, long? Before);

/// <summary>The messages a device sent, read from the event log for as long as it keeps them.</summary>
internal static class DeviceMessageEndpoints
{
    public static IEndpointRouteBuilder MapDeviceMessages(this IEndpointRouteBuilder routes)
    {
        routes.MapGroup("/applications/{id}/devices/{deviceId}").WithTags("Devices")
            .MapGet("/messages", List)
            .WithName("GetDeviceMessages")
            .WithSummary("Messages the device sent (sys/messages/up and its own topics), newest first; pass before= to page back.");
        return routes;
    }

    private static async Task<Results<Ok<DeviceMessagePage>, ProblemHttpResult>> List(
        HttpContext http, Applications.Applications applications, DeviceRegistry registry, ShoalDb db, string id, string deviceId,
        long? before, int? pageSize, CancellationToken cancellationToken)
    {
        if (await applications.FindAsync(Actor.From(http).RequiredId, id, cancellationToken) is null
            || await registry.FindAsync(id, deviceId, cancellationToken) is null)
        {
            return new Missing("Device").ToProblem();
        }
        var (_, size) = Paging.Normalize(1, pageSize);
        var (items, older) = await DeviceMessages.PageAsync(db, id, deviceId, [DeviceEventType.MessageUp], before, size, cancellationToken);
        return TypedResults.Ok(new DeviceMessagePage([.. items.Select(ToResponse)], older));
    }

    private static DeviceMessageResponse ToResponse(DeviceEvent message)
    {
        var stored = JsonSerializer.Deserialize<JsonElement>(message.Payload);
        return new DeviceMessageResponse(
            message.Id,
            message.CreatedAt,
            stored.TryGetProperty("topic", out var topic) ? topic.GetString() : null,
            stored.TryGetProperty("message", out var json) ? json : null,
            stored.TryGetProperty("base64", out var base64) ? base64.GetString() : null);
    }
}
