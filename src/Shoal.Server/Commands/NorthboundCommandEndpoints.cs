using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Shoal.Server.Common;
using Shoal.Server.Devices;
using Shoal.Server.Northbound;
using Shoal.Storage;
using Shoal.Storage.Entities;

namespace Shoal.Server.Commands;

/// <summary>The command calls of the northbound API: send, list and cancel, and the older per-device send.</summary>
internal static class NorthboundCommandEndpoints
{
    public static IEndpointRouteBuilder MapNorthboundCommands(this IEndpointRouteBuilder routes)
    {
        routes.MapPost("/cmd/v1.4.0/deviceCommands", Create);
        routes.MapGet("/cmd/v1.4.0/deviceCommands", List);
        routes.MapPut("/cmd/v1.4.0/deviceCommands/{commandId}", Cancel);
        routes.MapPost("/cmd/v1.2.0/devices/{deviceId}/commands", CreateForDevice);
        return routes;
    }

    private static async Task<IResult> Create(HttpContext http, DeviceCommands commands, CancellationToken cancellationToken)
    {
        var (body, error) = await NorthboundJson.ReadAsync<CreateRequest>(http.Request, cancellationToken);
        if (error is not null)
        {
            return error.ToResult();
        }
        if (string.IsNullOrEmpty(body!.DeviceId))
        {
            return NorthboundError.Missing("deviceId").ToResult();
        }
        return await CreateAsync(http, commands, body.DeviceId, body.Command, body.CallbackUrl, body.ExpireTime, body.MaxRetransmit,
            StatusCodes.Status201Created, cancellationToken);
    }

    /// <summary>The v1.2.0 call names the device in the path, has no maxRetransmit and answers 200.</summary>
    private static async Task<IResult> CreateForDevice(HttpContext http, DeviceCommands commands, string deviceId, CancellationToken cancellationToken)
    {
        var (body, error) = await NorthboundJson.ReadAsync<DeviceCreateRequest>(http.Request, cancellationToken);
        if (error is not null)
        {
            return error.ToResult();
        }
        return await CreateAsync(http, commands, deviceId, body!.Command, body.CallbackUrl, body.ExpireTime, null,
            StatusCodes.Status200OK, cancellationToken);
    }

    private static async Task<IResult> CreateAsync(
        HttpContext http, DeviceCommands commands, string deviceId, CommandBody? command, string? callbackUrl, int? expireTime, int? maxRetransmit,
        int status, CancellationToken cancellationToken)
    {
        if (command is null)
        {
            return NorthboundError.Missing("command").ToResult();
        }
        var caller = NorthboundCaller.Of(http);
        var outcome = await commands.CreateAsync(
            caller.TargetApplicationId, deviceId,
            new NewCommand(command.ServiceId, command.Method, command.Paras, callbackUrl, expireTime, maxRetransmit, caller.ActsForAnother ? caller.CallerId : null),
            cancellationToken);
        return outcome.Succeeded ? Json(DeviceCommandView.Json(outcome.Value!), status) : ToError(outcome.Failure!).ToResult();
    }

    private static async Task<IResult> List(HttpContext http, DeviceCommands commands, CancellationToken cancellationToken)
    {
        var (query, error) = ParseQuery(http.Request.Query);
        if (error is not null)
        {
            return error.ToResult();
        }
        var (page, total) = await commands.ListAsync(NorthboundCaller.Of(http).TargetApplicationId, query!, cancellationToken);
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteStartObject("pagination");
            json.WriteNumber("pageNo", query!.PageNo);
            json.WriteNumber("pageSize", query.PageSize);
            json.WriteNumber("totalSize", total);
            json.WriteEndObject();
            json.WriteStartArray("data");
            foreach (var command in page)
            {
                DeviceCommandView.Write(json, command);
            }
            json.WriteEndArray();
            json.WriteEndObject();
        }
        return Json(Encoding.UTF8.GetString(buffer.ToArray()), StatusCodes.Status200OK);
    }

    private static async Task<IResult> Cancel(HttpContext http, DeviceCommands commands, string commandId, CancellationToken cancellationToken)
    {
        var (body, error) = await NorthboundJson.ReadAsync<CancelRequest>(http.Request, cancellationToken);
        if (error is not null)
        {
            return error.ToResult();
        }
        if (string.IsNullOrEmpty(body!.Status))
        {
            return NorthboundError.Missing("status").ToResult();
        }
        if (body.Status != DeviceCommandView.Status(DeviceCommandStatus.Canceled))
        {
            return NorthboundError.Invalid("status can only be changed to CANCELED.").ToResult();
        }
        var outcome = await commands.CancelAsync(NorthboundCaller.Of(http).TargetApplicationId, commandId, cancellationToken);
        return outcome.Succeeded ? Json(DeviceCommandView.Json(outcome.Value!), StatusCodes.Status200OK) : ToError(outcome.Failure!).ToResult();
    }

    private static (CommandQuery? Query, NorthboundError? Error) ParseQuery(IQueryCollection query)
    {
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
        string? deviceId = query["deviceId"];
        return (new CommandQuery(string.IsNullOrEmpty(deviceId) ? null : deviceId, range.From, range.To, page.PageNo, page.PageSize), null);
    }

    private static ContentHttpResult Json(string json, int status) => TypedResults.Text(json, "application/json", Encoding.UTF8, status);

    private static NorthboundError ToError(Failure failure) => failure switch
    {
        Missing { What: "Device" } => NorthboundError.DeviceMissing(),
        Missing => new NorthboundError(StatusCodes.Status404NotFound, "100225", "The command does not exist."),
        IllegalCallbackUrl illegal => new NorthboundError(StatusCodes.Status400BadRequest, "100222", illegal.Why),
        RequiredMissing required => NorthboundError.Missing(required.Field),
        InvalidInput invalid => NorthboundError.Invalid(string.Join(" ", invalid.Errors.SelectMany(e => e.Value))),
        _ => NorthboundError.Invalid(failure.Title),
    };

    private sealed record CommandBody(string? ServiceId, string? Method, JsonElement? Paras);

    private sealed record CreateRequest(string? DeviceId, CommandBody? Command, string? CallbackUrl, int? ExpireTime, int? MaxRetransmit);

    private sealed record DeviceCreateRequest(CommandBody? Command, string? CallbackUrl, int? ExpireTime, string? RequestId);

    private sealed record CancelRequest(string? Status);
}
