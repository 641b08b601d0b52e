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
    string? GatewayId, string NodeType, string? LastDisconnectReason, DateTimeOffset? LastDisconnectedAt);

/// <summary>The device secret, shown once on registration and on a reset.</summary>
public sealed record DeviceSecretResponse(string Secret, DeviceResponse Device);

/// <summary>A service's properties as the device reported them, and when.</summary>
public sealed record ServiceDataResponse(string ServiceId, JsonElement Data, DateTimeOffset EventTime);

/// <summary>One bucket of an aggregate: its start, the least, mean and greatest value in it, and how many values it holds.</summary>
public sealed record AggregatePointResponse(DateTimeOffset Time, double Min, double Avg, double Max, long Count);

/// <summary>A property over a range; with <c>raw</c> each point is one reported value (min, avg and max equal, count 1).</summary>
public sealed record AggregateResponse(
    string ServiceId, string Property, DateTimeOffset From, DateTimeOffset To, double BucketSeconds, bool Raw, IReadOnlyList<AggregatePointResponse> Points);

/// <summary>The management API's view of an application's devices, for the owner.</summary>
internal static class DeviceEndpoints
{
    public const int DefaultBuckets = 200;
    public const int MaxBuckets = 2000;

    public static IEndpointRouteBuilder MapDevices(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/applications/{id}/devices").WithTags("Devices");
        group.MapGet("/", List)
            .WithName("ListDevices")
            .WithSummary("A page of the application's devices; search by name, node ID or device ID, filter by status, sort by name, nodeId, status, lastSeen or created (order asc or desc).");
        group.MapPost("/", Register);
        group.MapPost("/import", Import)
            .WithName("ImportDevices")
            .WithSummary("Registers devices from a text/csv body: a header row of registration fields (nodeId required), then one row per device; answers each row's device ID and secret, or its error.");
        group.MapGet("/{deviceId}", Get);
        group.MapPut("/{deviceId}", Update);
        group.MapDelete("/{deviceId}", Delete);
        group.MapPost("/{deviceId}/secret", ResetSecret);
        group.MapGet("/{deviceId}/services", LatestValues)
            .WithName("GetDeviceLatestValues").WithSummary("The latest reported value of each of the device's services.");
        group.MapGet("/{deviceId}/history", History)
            .WithName("GetDeviceHistory")
            .WithSummary("The device's stored history, newest first; filter by serviceId, property and an ISO 8601 from/to time range.");
        group.MapGet("/{deviceId}/history/aggregate", Aggregate)
            .WithName("GetDeviceHistoryAggregate")
            .WithSummary("One numeric property (serviceId, property) over an ISO 8601 from/to range as min, avg and max per time bucket (buckets, 1 to 2000); the values themselves when the range holds fewer than that.");
        group.MapGet("/{deviceId}/history/export", Export)
            .WithName("ExportDeviceHistory")
            .WithSummary("The device's stored history over a from/to range as CSV (eventTime, serviceId, data), oldest first, streamed; filter by serviceId and property.");
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

    private static async Task<Results<Ok<ImportResponse>, ProblemHttpResult>> Import(
        HttpContext http, Applications.Applications applications, DeviceImport import, string id, CancellationToken cancellationToken)
    {
        var actor = Actor.From(http);
        if (await applications.FindAsync(actor.RequiredId, id, cancellationToken) is null)
        {
            return new Missing("Application").ToProblem();
        }
        if (!string.Equals(http.Request.ContentType?.Split(';')[0].Trim(), "text/csv", StringComparison.OrdinalIgnoreCase))
        {
            return new Refused(StatusCodes.Status415UnsupportedMediaType, "Send the devices as text/csv.").ToProblem();
        }
        if (await DeviceImport.ReadAsync(http.Request.Body, cancellationToken) is not { } csv)
        {
            return new Refused(StatusCodes.Status413PayloadTooLarge, $"The file is larger than {DeviceImport.MaxBytes / 1024 / 1024} MB.", "Split it into smaller files.")
                .ToProblem();
        }
        var parsed = DeviceImport.Parse(csv);
        if (!parsed.Succeeded)
        {
            return parsed.Failure!.ToProblem();
        }
        var rows = new List<ImportRowResponse>();
        await foreach (var row in import.RegisterAsync(id, parsed.Value!, actor, cancellationToken))
        {
            rows.Add(row);
        }
        http.Response.Headers.CacheControl = "no-store";
        var registered = rows.Count(r => r.Error is null);
        return TypedResults.Ok(new ImportResponse(registered, rows.Count - registered, rows));
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

    private static async Task<Results<Ok<AggregateResponse>, ProblemHttpResult>> Aggregate(
        HttpContext http, Applications.Applications applications, DeviceRegistry registry, DeviceData data, TimeProvider time, string id, string deviceId,
        string? serviceId, string? property, string? from, string? to, int? buckets, CancellationToken cancellationToken)
    {
        if (await FindOwnedAsync(http, applications, registry, id, deviceId, cancellationToken) is null)
        {
            return new Missing("Device").ToProblem();
        }
        var errors = new FieldErrors();
        if (string.IsNullOrEmpty(serviceId))
        {
            errors.Add("serviceId", "Name the service whose property to aggregate.");
        }
        if (string.IsNullOrEmpty(property))
        {
            errors.Add("property", "Name the numeric property to aggregate.");
        }
        if (buckets is < 1 or > MaxBuckets)
        {
            errors.Add("buckets", $"Ask for 1 to {MaxBuckets} buckets.");
        }
        var (start, end) = Range(from, to, time.GetUtcNow(), errors);
        if (errors.Any)
        {
            return new InvalidInput(errors).ToProblem();
        }
        var query = new AggregateQuery(deviceId, serviceId!, property!, start, end, buckets ?? DefaultBuckets);
        var (points, raw) = await data.AggregateAsync(id, query, cancellationToken);
        return TypedResults.Ok(new AggregateResponse(
            query.ServiceId, query.Property, start, end, query.BucketMilliseconds / 1000.0, raw,
            [.. points.Select(p => new AggregatePointResponse(p.Time, p.Min, p.Avg, p.Max, p.Count))]));
    }

    private static async Task<Results<PushStreamHttpResult, ProblemHttpResult>> Export(
        HttpContext http, Applications.Applications applications, DeviceRegistry registry, DeviceData data, TimeProvider time, string id, string deviceId,
        string? serviceId, string? property, string? from, string? to, CancellationToken cancellationToken)
    {
        if (await FindOwnedAsync(http, applications, registry, id, deviceId, cancellationToken) is null)
        {
            return new Missing("Device").ToProblem();
        }
        var errors = new FieldErrors();
        var (start, end) = Range(from, to, time.GetUtcNow(), errors);
        if (errors.Any)
        {
            return new InvalidInput(errors).ToProblem();
        }
        var rows = data.ExportAsync(id, new HistoryQuery(deviceId, NullIfEmpty(serviceId), NullIfEmpty(property), start, end, 0, 0));
        return TypedResults.Stream(async body =>
        {
            await using var writer = new StreamWriter(body, new System.Text.UTF8Encoding(encoderShouldEmitUTF8Identifier: false), leaveOpen: true);
            await writer.WriteAsync("eventTime,serviceId,data\r\n");
            await foreach (var row in rows.WithCancellation(http.RequestAborted))
            {
                await writer.WriteAsync(string.Create(CultureInfo.InvariantCulture, $"{row.EventTime.ToUniversalTime():O},{Csv.Field(row.ServiceId)},{Csv.Field(row.Data)}\r\n"));
            }
        }, "text/csv", $"history-{deviceId}.csv");
    }

    /// <summary>A from/to range for the history routes: from defaults to a day before to, to to now.</summary>
    private static (DateTimeOffset From, DateTimeOffset To) Range(string? from, string? to, DateTimeOffset now, FieldErrors errors)
    {
        var end = ParseTime(to, "to", errors) ?? now;
        var start = ParseTime(from, "from", errors) ?? end.AddDays(-1);
        if (start >= end)
        {
            errors.Add("to", "The end of the range must be after its start.");
        }
        return (start, end);
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
        d.GatewayId, d.NodeType, d.LastDisconnectReason, d.LastDisconnectedAt);
}
