using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Shoal.Coap.Payloads;
using Shoal.Server.Audit;
using Shoal.Server.Common;
using Shoal.Server.MessageServers;
using Shoal.Storage;

namespace Shoal.Server.Applications;

internal static class ApplicationEndpoints
{
    public static IEndpointRouteBuilder MapApplications(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/applications").WithTags("Applications");
        group.MapGet("/", List);
        group.MapPost("/", Create);
        group.MapGet("/{id}", Get);
        group.MapPut("/{id}", Update);
        group.MapDelete("/{id}", Delete);
        group.MapPost("/{id}/secret", ResetSecret);
        group.MapGet("/{id}/icon", GetIcon);
        group.MapPut("/{id}/icon", SetIcon).Accepts<byte[]>("image/png", "image/jpeg");
        group.MapDelete("/{id}/icon", RemoveIcon);
        group.MapGet("/{id}/codec", GetCodec).Produces<JsonElement>(StatusCodes.Status200OK, "application/json");
        group.MapPut("/{id}/codec", SetCodec).Accepts<JsonElement>("application/json").Produces<JsonElement>(StatusCodes.Status200OK, "application/json");
        group.MapDelete("/{id}/codec", RemoveCodec);
        group.MapGet("/{id}/audit", Audit);
        routes.MapGet("/industries", ListIndustries).WithTags("Applications");
        return routes;
    }

    private static async Task<Ok<PageResponse<ApplicationResponse>>> List(
        HttpContext http, Applications applications, int? page, int? pageSize, CancellationToken cancellationToken)
    {
        var result = await applications.ListAsync(Actor.From(http).RequiredId, page, pageSize, cancellationToken);
        return TypedResults.Ok(result.ToResponse(a => a.ToResponse(applications.Addresses)));
    }

    private static async Task<Results<Created<ApplicationCredentialsResponse>, ProblemHttpResult>> Create(
        HttpContext http, Applications applications, CreateApplicationRequest request, CancellationToken cancellationToken)
    {
        byte[]? icon = null;
        if (request.Icon is not null)
        {
            icon = new byte[request.Icon.Length];
            if (!Convert.TryFromBase64String(request.Icon, icon, out var length))
            {
                return new InvalidInput(FieldErrors.Of("icon", "Send the icon as base64-encoded PNG or JPEG bytes.")).ToProblem();
            }
            icon = icon[..length];
        }
        var outcome = await applications.CreateAsync(
            Actor.From(http), new NewApplication(request.Name, request, icon, request.AcceptTerms), cancellationToken);
        if (!outcome.Succeeded)
        {
            return outcome.Failure!.ToProblem();
        }
        var credentials = Credentials(applications, outcome.Value!);
        http.Response.Headers.CacheControl = "no-store";
        return TypedResults.Created($"/api/v1/applications/{credentials.ApplicationId}", credentials);
    }

    private static async Task<Results<Ok<ApplicationResponse>, ProblemHttpResult>> Get(
        HttpContext http, Applications applications, ShoalDb db, string id, CancellationToken cancellationToken)
    {
        var application = await applications.FindAsync(Actor.From(http).RequiredId, id, cancellationToken);
        return application is null
            ? new Missing("Application").ToProblem()
            : TypedResults.Ok(application.ToResponse(applications.Addresses) with
            {
                Warnings = (await ServerSelection.OfAsync(db, id, cancellationToken)).SelectionWarnings,
            });
    }

    private static async Task<Results<Ok<ApplicationResponse>, ProblemHttpResult>> Update(
        HttpContext http, Applications applications, string id, ApplicationSettings request, CancellationToken cancellationToken)
    {
        var outcome = await applications.UpdateAsync(Actor.From(http), id, request, cancellationToken);
        return outcome.Succeeded
            ? TypedResults.Ok(outcome.Value!.ToResponse(applications.Addresses))
            : outcome.Failure!.ToProblem();
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> Delete(
        HttpContext http, Applications applications, string id, [FromQuery] string? confirmName, CancellationToken cancellationToken)
    {
        var outcome = await applications.DeleteAsync(Actor.From(http), id, confirmName, cancellationToken);
        return outcome.Succeeded ? TypedResults.NoContent() : outcome.Failure!.ToProblem();
    }

    private static async Task<Results<Ok<ApplicationCredentialsResponse>, ProblemHttpResult>> ResetSecret(
        HttpContext http, Applications applications, string id, ResetSecretRequest? request, CancellationToken cancellationToken)
    {
        var outcome = await applications.ResetSecretAsync(
            Actor.From(http), id, TimeSpan.FromMinutes(request?.GraceMinutes ?? 0), cancellationToken);
        if (!outcome.Succeeded)
        {
            return outcome.Failure!.ToProblem();
        }
        http.Response.Headers.CacheControl = "no-store";
        return TypedResults.Ok(Credentials(applications, outcome.Value!));
    }

    private static async Task<Results<FileContentHttpResult, ProblemHttpResult>> GetIcon(
        HttpContext http, Applications applications, string id, CancellationToken cancellationToken)
    {
        var application = await applications.FindAsync(Actor.From(http).RequiredId, id, cancellationToken);
        return application?.Icon is null
            ? new Missing("Icon").ToProblem()
            : TypedResults.File(application.Icon, application.IconContentType);
    }

    private static async Task<Results<Ok<ApplicationResponse>, ProblemHttpResult>> SetIcon(
        HttpContext http, Applications applications, string id, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        await http.Request.Body.CopyToAsync(buffer, cancellationToken);
        var outcome = await applications.SetIconAsync(Actor.From(http), id, buffer.ToArray(), cancellationToken);
        return outcome.Succeeded
            ? TypedResults.Ok(outcome.Value!.ToResponse(applications.Addresses))
            : outcome.Failure!.ToProblem();
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> RemoveIcon(
        HttpContext http, Applications applications, string id, CancellationToken cancellationToken)
    {
        var outcome = await applications.SetIconAsync(Actor.From(http), id, null, cancellationToken);
        return outcome.Succeeded ? TypedResults.NoContent() : outcome.Failure!.ToProblem();
    }

    private static async Task<Results<ContentHttpResult, ProblemHttpResult>> GetCodec(
        HttpContext http, Applications applications, string id, CancellationToken cancellationToken)
    {
        var application = await applications.FindAsync(Actor.From(http).RequiredId, id, cancellationToken);
        return application?.Codec is null ? new Missing("Codec").ToProblem() : TypedResults.Text(application.Codec, "application/json");
    }

    /// <summary>The body is the definition itself, kept byte for byte as the owner wrote it.</summary>
    private static async Task<Results<ContentHttpResult, ProblemHttpResult>> SetCodec(
        HttpContext http, Applications applications, string id, CancellationToken cancellationToken)
    {
        // One byte past the limit is enough for the definition to be refused as too large, with its size in the message.
        var buffer = new byte[PayloadCodec.MaxDefinitionBytes + 1];
        var length = 0;
        int read;
        while (length < buffer.Length && (read = await http.Request.Body.ReadAsync(buffer.AsMemory(length), cancellationToken)) > 0)
        {
            length += read;
        }
        // Past the limit, a character the cut splits is no reason to call the text invalid: its size is the problem.
        if (length <= PayloadCodec.MaxDefinitionBytes && !System.Text.Unicode.Utf8.IsValid(buffer.AsSpan(0, length)))
        {
            return new InvalidInput(FieldErrors.Of("codec", "The definition is not UTF-8 text.")).ToProblem();
        }
        var outcome = await applications.SetCodecAsync(Actor.From(http), id, Encoding.UTF8.GetString(buffer, 0, length), cancellationToken);
        return outcome.Succeeded ? TypedResults.Text(outcome.Value!.Codec, "application/json") : outcome.Failure!.ToProblem();
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> RemoveCodec(
        HttpContext http, Applications applications, string id, CancellationToken cancellationToken)
    {
        var outcome = await applications.SetCodecAsync(Actor.From(http), id, null, cancellationToken);
        return outcome.Succeeded ? TypedResults.NoContent() : outcome.Failure!.ToProblem();
    }

    private static async Task<Results<Ok<PageResponse<AuditEntryResponse>>, ProblemHttpResult>> Audit(
        HttpContext http, Applications applications, string id, int? page, int? pageSize, CancellationToken cancellationToken)
    {
        var outcome = await applications.AuditAsync(Actor.From(http).RequiredId, id, page, pageSize, cancellationToken);
        return outcome.Succeeded ? TypedResults.Ok(outcome.Value!.ToResponse(e => e.ToResponse())) : outcome.Failure!.ToProblem();
    }

    private static Ok<IndustryResponse[]> ListIndustries() =>
        TypedResults.Ok(Industries.All.Select(i => new IndustryResponse(i.Key, i.Label)).ToArray());

    private static ApplicationCredentialsResponse Credentials(Applications applications, IssuedSecret issued) => new(
        issued.Application.Id,
        issued.Secret,
        applications.Addresses.Application,
        applications.Addresses.Device,
        applications.Addresses.DeviceMqtts,
        applications.Addresses.DeviceHttps,
        applications.Addresses.DeviceCoap,
        applications.Addresses.DeviceCoaps,
        issued.Application.ToResponse(applications.Addresses));
}
