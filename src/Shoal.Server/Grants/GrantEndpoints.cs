using Microsoft.AspNetCore.Http.HttpResults;
using Shoal.Server.Audit;
using Shoal.Server.Common;
using Shoal.Storage.Entities;

namespace Shoal.Server.Grants;

public sealed record CreateGrantRequest(string? GranteeApplicationId, GrantLevel Level, DateTimeOffset? ExpiresAt);

public sealed record GrantResponse(
    Guid Id, string GrantorApplicationId, string? GrantorName, string GranteeApplicationId, string? GranteeName,
    GrantLevel Level, DateTimeOffset? ExpiresAt, bool Expired, DateTimeOffset CreatedAt);

internal static class GrantEndpoints
{
    public static IEndpointRouteBuilder MapGrants(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/applications/{id}").WithTags("Application authorization");
        group.MapGet("/grants", Granted);
        group.MapPost("/grants", Create);
        group.MapDelete("/grants/{grantId:guid}", Revoke);
        group.MapGet("/accepted-grants", Accepted);
        return routes;
    }

    private static async Task<Results<Ok<GrantResponse[]>, ProblemHttpResult>> Granted(
        HttpContext http, Grants grants, TimeProvider time, string id, CancellationToken cancellationToken)
    {
        var outcome = await grants.GrantedAsync(Actor.From(http).RequiredId, id, cancellationToken);
        return outcome.Succeeded ? TypedResults.Ok(outcome.Value!.Select(g => g.ToResponse(time)).ToArray()) : outcome.Failure!.ToProblem();
    }

    private static async Task<Results<Ok<GrantResponse[]>, ProblemHttpResult>> Accepted(
        HttpContext http, Grants grants, TimeProvider time, string id, CancellationToken cancellationToken)
    {
        var outcome = await grants.AcceptedAsync(Actor.From(http).RequiredId, id, cancellationToken);
        return outcome.Succeeded ? TypedResults.Ok(outcome.Value!.Select(g => g.ToResponse(time)).ToArray()) : outcome.Failure!.ToProblem();
    }

    private static async Task<Results<Created<GrantResponse>, ProblemHttpResult>> Create(
        HttpContext http, Grants grants, TimeProvider time, string id, CreateGrantRequest request, CancellationToken cancellationToken)
    {
        var outcome = await grants.CreateAsync(Actor.From(http), id, request.GranteeApplicationId, request.Level, request.ExpiresAt, cancellationToken);
        return outcome.Succeeded
            ? TypedResults.Created($"/api/v1/applications/{id}/grants/{outcome.Value!.Grant.Id}", outcome.Value.ToResponse(time))
            : outcome.Failure!.ToProblem();
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> Revoke(
        HttpContext http, Grants grants, string id, Guid grantId, CancellationToken cancellationToken)
    {
        var outcome = await grants.RevokeAsync(Actor.From(http), id, grantId, cancellationToken);
        return outcome.Succeeded ? TypedResults.NoContent() : outcome.Failure!.ToProblem();
    }

    private static GrantResponse ToResponse(this GrantView view, TimeProvider time) => new(
        view.Grant.Id, view.Grant.GrantorId, view.GrantorName, view.Grant.GranteeId, view.GranteeName, view.Grant.Level,
        view.Grant.ExpiresAt, view.Grant.ExpiresAt <= time.GetUtcNow(), view.Grant.CreatedAt);
}
