using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Shoal.Server.Applications;
using Shoal.Server.Audit;
using Shoal.Server.Common;
using Shoal.Storage.Entities;

namespace Shoal.Server.Devices;

public sealed record RegisterDeviceRequest(
    string? NodeId, string? VerifyCode, int? Timeout, string? Psk, string? ProductId,
    string? Name, string? Manufacturer, string? Model, string? DeviceType, string? ProtocolType, string? Location, string? Description,
    string? GatewayId = null);

public sealed record UpdateDeviceRequest(
    string? Name, string? Manufacturer, string? Model, string? DeviceType, string? ProtocolType, string? Location, string? Description);

public sealed record ResetDeviceSecretRequest(string? Psk);

public sealed record DeviceResponse(
    string Id, string ApplicationId, string NodeId, string VerifyCode, string? ProductId, string? Name, string? Manufacturer, string? Model,
    string? DeviceType, string? ProtocolType, string? Location, string? Description, DeviceStatus Status, bool Activated, int Timeout,
    DateTimeOffset? RegistrationExpiresAt, DateTimeOffset CreatedAt, DateTimeOffset LastModifiedAt, DateTimeOffset? LastSeenAt,
    string? GatewayId, string NodeType);

/// <summary>The device secret, shown once on registration and on a reset.</summary>
public sealed record DeviceSecretResponse(string Secret, DeviceResponse Device);

/// <summary>A service's properties as the device reported them, and when.</summary>
public sealed record ServiceDataResponse(string ServiceId, JsonElement Data, DateTimeOffset EventTime);

/// <summary>The management API's view of an application's devices, for the owner.</summary>
internal static class DeviceEndpoints
{
    public static IEndpointRouteBuilder MapDevices(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/applications/{id}/devices").WithTags("Devices");
        group.MapGet("/", List)
            .WithName("ListDevices")
            .WithSummary("A page of the application's devices; search by name, node ID or device ID, filter by status, sort by name, nodeId, status, lastSeen or created (order asc or desc).");
        group.MapPost("/", Register);
        group.MapGet("/{deviceId}", Get);
        group.MapPut("/{deviceId}", Update);
        group.MapDelete("/{deviceId}", Delete);
        group.MapPost("/{deviceId}/secret", ResetSecret);
        group.MapGet("/{deviceId}/services", LatestValues)
            .WithName("GetDeviceLatestValues").WithSummary("The latest reported value of each of the device's services.");
        group.MapGet("/{deviceId}/history", History)
            .WithName("GetDeviceHistory")
            .WithSummary("The device's stored history, newest first; filter by serviceId, property and an ISO 8601 from/to time range.");
        return routes;
    }

    private static async Task<Results<Ok<PageResponse<DeviceResponse>>, ProblemHttpResult>> List(
        HttpContext http, Applications.Applications applications, DeviceRegistry registry, string id,
        int? page, int? pageSize, DeviceStatus? status, string? search, string? sort, string? order, CancellationToken cancellationToken)
    {
        if (await applications.FindAsync(Actor.From(http).RequiredId, id, cancellationToken) is null)
        {
            return new Missing("Application").ToProblem();
        }
        if (!DeviceSorts.TryParse(sort, order, out var by, out var ascending))
        {
            return new InvalidInput(FieldErrors.Of(
                string.IsNullOrEmpty(sort) || DeviceSorts.TryParse(sort, null, out _, out _) ? "order" : "sort",
                "Sort by name, nodeId, status, lastSeen or created, in order asc or desc.")).ToProblem();
        }
        var (number, size) = Paging.Normalize(page, pageSize);
        var (devices, total) = await registry.ListAsync(id, new DeviceQuery(number - 1, size, status, null, null, ascending, search, by), cancellationToken);
        return TypedResults.Ok(new Paged<Device>(devices, number, size, total).ToResponse(d => d.ToResponse()));
    }

    private static async Task<Results<Created<DeviceSecretResponse>, ProblemHttpResult>> Register(
        HttpContext http, Applications.Applications applications, DeviceRegistry registry, string id, RegisterDeviceRequest request,
        CancellationToken cancellationToken)
    {
        var actor = Actor.From(http);
        if (await applications.FindAsync(actor.RequiredId, id, cancellationToken) is null)
        {
            return new Missing("Application").ToProblem();
        }
        var info = new DeviceInfo(request.Name, request.Manufacturer, request.Model, request.DeviceType, request.ProtocolType, request.Location, request.Description);
        var outcome = await registry.RegisterAsync(
            id, new DeviceRegistration(request.NodeId, request.VerifyCode, request.Timeout, request.Psk, request.ProductId, info, request.GatewayId), actor, cancellationToken);
        if (!outcome.Succeeded)
        {
            return ToProblem(outcome.Failure!);
        }
        http.Response.Headers.CacheControl = "no-store";
        var (device, secret) = outcome.Value!;
        return TypedResults.Created($"/api/v1/applications/{id}/devices/{device.Id}", new DeviceSecretResponse(secret, device.ToResponse()));
    }

    private static async Task<Results<Ok<DeviceResponse>, ProblemHttpResult>> Get(
        HttpContext http, Applications.Applications applications, DeviceRegistry registry, string id, string deviceId, CancellationToken cancellationToken)
    {
        var device = await FindOwnedAsync(http, applications, registry, id, deviceId, cancellationToken);
        return device is null ? new Missing("Device").ToProblem() : TypedResults.Ok(device.ToResponse());
    }

    private static async Task<Results<Ok<List<ServiceDataResponse>>, ProblemHttpResult>> LatestValues(
        HttpContext http, Applications.Applications applications, DeviceRegistry registry, DeviceData data, string id, string deviceId,
        CancellationToken cancellationToken)
    {
        if (await FindOwnedAsync(http, applications, registry, id, deviceId, cancellationToken) is null)
        {
            return new Missing("Device").ToProblem();
        }
        var states = await data.LatestAsync(deviceId, cancellationToken);
        return TypedResults.Ok(states.Select(s => new ServiceDataResponse(s.ServiceId, StoredData.Read(s.Data), s.EventTime)).ToList());
    }

    private static async Task<Results<Ok<PageResponse<ServiceDataResponse>>, ProblemHttpResult>> History(
        HttpContext http, Applications.Applications applications, DeviceRegistry registry, DeviceData data, string id, string deviceId,
        string? serviceId, string? property, string? from, string? to, int? page, int? pageSize, CancellationToken cancellationToken)
    {
        if (await FindOwnedAsync(http, applications, registry, id, deviceId, cancellationToken) is null)
        {
            return new Missing("Device").ToProblem();
        }
        var errors = new FieldErrors();
        var start = ParseTime(from, "from", errors);
        var end = ParseTime(to, "to", errors);
        if (start > end)
        {
            errors.Add("to", "The end of the range must not be before its start.");
        }
        if (errors.Any)
        {
            return new InvalidInput(errors).ToProblem();
        }
        var (number, size) = Paging.Normalize(page, pageSize);
        var query = new HistoryQuery(deviceId, NullIfEmpty(serviceId), NullIfEmpty(property), start, end, number - 1, size);
        var (points, total) = await data.HistoryAsync(id, query, cancellationToken);
        return TypedResults.Ok(new Paged<DeviceDataPoint>(points, number, size, total)
            .ToResponse(p => new ServiceDataResponse(p.ServiceId, StoredData.Read(p.Data), p.EventTime)));
    }

    /// <summary>The device, when it belongs to an application the caller owns.</summary>
    private static async Task<Device?> FindOwnedAsync(
        HttpContext http, Applications.Applications applications, DeviceRegistry registry, string id, string deviceId, CancellationToken cancellationToken) =>
        await applications.FindAsync(Actor.From(http).RequiredId, id, cancellationToken) is null
            ? null
            : await registry.FindAsync(id, deviceId, cancellationToken);

    private static DateTimeOffset? ParseTime(string? text, string field, FieldErrors errors)
    {
        if (string.IsNullOrEmpty(text))
        {
            return null;
        }
        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var time))
        {
            return time;
        }
        errors.Add(field, $"Give {field} as an ISO 8601 time, such as 2026-11-25T10:15:00Z.");
        return null;
    }

    private static string? NullIfEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;

    private static async Task<Results<Ok<DeviceResponse>, ProblemHttpResult>> Update(
        HttpContext http, Applications.Applications applications, DeviceRegistry registry, string id, string deviceId, UpdateDeviceRequest request,
        CancellationToken cancellationToken)
    {
        var actor = Actor.From(http);
        if (await applications.FindAsync(actor.RequiredId, id, cancellationToken) is null)
        {
            return new Missing("Device").ToProblem();
        }
        var info = new DeviceInfo(request.Name, request.Manufacturer, request.Model, request.DeviceType, request.ProtocolType, request.Location, request.Description);
        var outcome = await registry.ModifyAsync(id, deviceId, info, actor, cancellationToken);
        return outcome.Succeeded ? TypedResults.Ok(outcome.Value!.ToResponse()) : ToProblem(outcome.Failure!);
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> Delete(
        HttpContext http, Applications.Applications applications, DeviceRegistry registry, string id, string deviceId, CancellationToken cancellationToken)
    {
        var actor = Actor.From(http);
        if (await applications.FindAsync(actor.RequiredId, id, cancellationToken) is null)
        {
            return new Missing("Device").ToProblem();
        }
        var outcome = await registry.DeleteAsync(id, deviceId, actor, cancellationToken);
        return outcome.Succeeded ? TypedResults.NoContent() : ToProblem(outcome.Failure!);
    }

    private static async Task<Results<Ok<DeviceSecretResponse>, ProblemHttpResult>> ResetSecret(
        HttpContext http, Applications.Applications applications, DeviceRegistry registry, string id, string deviceId,
        ResetDeviceSecretRequest? request, CancellationToken cancellationToken)
    {
        var actor = Actor.From(http);
        if (await applications.FindAsync(actor.RequiredId, id, cancellationToken) is null)
        {
            return new Missing("Device").ToProblem();
        }
        var outcome = await registry.ResetSecretAsync(id, deviceId, request?.Psk, actor, cancellationToken);
        if (!outcome.Succeeded)
        {
            return ToProblem(outcome.Failure!);
        }
        http.Response.Headers.CacheControl = "no-store";
        return TypedResults.Ok(new DeviceSecretResponse(outcome.Value!.Secret, outcome.Value.Device.ToResponse()));
    }

    /// <summary>Device failures as the management API names them: the field concerned in <c>errors</c>.</summary>
    private static ProblemHttpResult ToProblem(Failure failure) => failure.OnFields().ToProblem();

    public static DeviceResponse ToResponse(this Device d) => new(
        d.Id, d.ApplicationId, d.NodeId, d.VerifyCode, d.ProductId, d.Name, d.Manufacturer, d.Model, d.DeviceType, d.ProtocolType, d.Location,
        d.Description, d.Status, d.Activated, d.Timeout, d.RegistrationExpiresAt, d.CreatedAt, d.LastModifiedAt, d.LastSeenAt,
        d.GatewayId, d.NodeType);
}
