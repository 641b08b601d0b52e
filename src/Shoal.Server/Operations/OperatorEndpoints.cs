using Microsoft.AspNetCore.Http.HttpResults;
using Shoal.Server.Accounts;
using Shoal.Server.Applications;
using Shoal.Server.Audit;
using Shoal.Server.Common;
using Shoal.Server.MessageServers;

namespace Shoal.Server.Operations;

internal static class OperatorEndpoints
{
    public static IEndpointRouteBuilder MapOperator(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/operator").WithTags("Operator").RequireAuthorization(Roles.Operator);
        group.MapGet("/users", Users);
        group.MapPut("/users/{id:guid}/quota", SetQuota);
        group.MapPost("/users/{id:guid}/freeze", (HttpContext http, OperatorConsole console, Guid id, CancellationToken ct) => FreezeUser(http, console, id, true, ct));
        group.MapPost("/users/{id:guid}/unfreeze", (HttpContext http, OperatorConsole console, Guid id, CancellationToken ct) => FreezeUser(http, console, id, false, ct));
        group.MapPost("/users/{id:guid}/password-reset", SendPasswordReset).WithName("SendPasswordReset")
            .WithSummary("Mails the user a single-use link to choose a new password; the current one works until the link is used.");
        group.MapGet("/invitations", Invitations).WithName("ListInvitations").WithSummary("Invitations not yet used, withdrawn or expired.");
        group.MapPost("/invitations", Invite).WithName("Invite")
            .WithSummary("Mails an address a single-use link to sign up, which works while sign-up is closed.");
        group.MapDelete("/invitations/{id:guid}", WithdrawInvitation).WithName("WithdrawInvitation").WithSummary("Makes an invitation's link stop working.");
        group.MapGet("/applications", Applications);
        group.MapPost("/applications/{id}/freeze", (HttpContext http, OperatorConsole console, string id, CancellationToken ct) => FreezeApplication(http, console, id, true, ct));
        group.MapPost("/applications/{id}/unfreeze", (HttpContext http, OperatorConsole console, string id, CancellationToken ct) => FreezeApplication(http, console, id, false, ct));
        group.MapGet("/settings", GetSettings);
        group.MapPut("/settings", UpdateSettings);
        group.MapMessageServers();
        return routes;
    }

    private static async Task<Ok<PageResponse<OperatorUserResponse>>> Users(
        OperatorConsole console, string? search, int? page, int? pageSize, CancellationToken cancellationToken) =>
        TypedResults.Ok((await console.UsersAsync(search, page, pageSize, cancellationToken)).ToResponse(u => u));

    private static async Task<Results<Ok<AccountResponse>, ProblemHttpResult>> SetQuota(
        HttpContext http, OperatorConsole console, Guid id, QuotaRequest request, CancellationToken cancellationToken)
    {
        var outcome = await console.SetQuotaAsync(Actor.From(http), id, request.Quota, cancellationToken);
        return outcome.Succeeded ? TypedResults.Ok(outcome.Value!.ToResponse()) : outcome.Failure!.ToProblem();
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> FreezeUser(
        HttpContext http, OperatorConsole console, Guid id, bool frozen, CancellationToken cancellationToken)
    {
        var outcome = await console.FreezeUserAsync(Actor.From(http), id, frozen, cancellationToken);
        return outcome.Succeeded ? TypedResults.NoContent() : outcome.Failure!.ToProblem();
    }

    private static async Task<Results<Accepted, ProblemHttpResult>> SendPasswordReset(
        HttpContext http, AccountLinks links, Guid id, CancellationToken cancellationToken) =>
        await links.SendResetForOperatorAsync(Actor.From(http), id, cancellationToken) is { } failure
            ? failure.ToProblem()
            : TypedResults.Accepted((string?)null);

    private static async Task<Ok<InvitationResponse[]>> Invitations(AccountLinks links, CancellationToken cancellationToken) =>
        TypedResults.Ok((await links.PendingInvitationsAsync(cancellationToken)).Select(l => l.ToInvitation()).ToArray());

    private static async Task<Results<Created<InvitationResponse>, ProblemHttpResult>> Invite(
        HttpContext http, AccountLinks links, InvitationRequest request, CancellationToken cancellationToken)
    {
        var outcome = await links.InviteAsync(Actor.From(http), request.Email, cancellationToken);
        return outcome.Succeeded
            ? TypedResults.Created($"/api/v1/operator/invitations/{outcome.Value!.Id}", outcome.Value.ToInvitation())
            : outcome.Failure!.ToProblem();
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> WithdrawInvitation(
        HttpContext http, AccountLinks links, Guid id, CancellationToken cancellationToken) =>
        await links.WithdrawInvitationAsync(Actor.From(http), id, cancellationToken) ? TypedResults.NoContent() : new Missing("Invitation").ToProblem();

    private static InvitationResponse ToInvitation(this Storage.Entities.AccountLink link) => new(link.Id, link.Email, link.CreatedAt, link.ExpiresAt);

    private static async Task<Ok<PageResponse<OperatorApplicationResponse>>> Applications(
        OperatorConsole console, string? search, int? page, int? pageSize, CancellationToken cancellationToken) =>
        TypedResults.Ok((await console.ApplicationsAsync(search, page, pageSize, cancellationToken)).ToResponse(a => a));

    private static async Task<Results<NoContent, ProblemHttpResult>> FreezeApplication(
        HttpContext http, OperatorConsole console, string id, bool frozen, CancellationToken cancellationToken)
    {
        var outcome = await console.FreezeApplicationAsync(Actor.From(http), id, frozen, cancellationToken);
        return outcome.Succeeded ? TypedResults.NoContent() : outcome.Failure!.ToProblem();
    }

    private static async Task<Ok<PlatformSettingsResponse>> GetSettings(OperatorConsole console, CancellationToken cancellationToken)
    {
        var settings = await console.SettingsAsync(cancellationToken);
        return TypedResults.Ok(PlatformSettingsResponse.From(settings));
    }

    private static async Task<Results<Ok<PlatformSettingsResponse>, ProblemHttpResult>> UpdateSettings(
        HttpContext http, OperatorConsole console, PlatformSettingsRequest request, CancellationToken cancellationToken)
    {
        var outcome = await console.UpdateSettingsAsync(Actor.From(http), request, cancellationToken);
        return outcome.Succeeded
            ? TypedResults.Ok(PlatformSettingsResponse.From(outcome.Value!))
            : outcome.Failure!.ToProblem();
    }
}
