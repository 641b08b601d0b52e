using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Shoal.Server.Applications;
using Shoal.Server.Audit;
using Shoal.Server.Common;
using Shoal.Storage;
using Shoal.Storage.Entities;

namespace Shoal.Server.Accounts;

internal static class AccountEndpoints
{
    /// <summary>Routes open to anyone: signing up, and exchanging e-mail and password for an API token.</summary>
    public static IEndpointRouteBuilder MapAccountSignIn(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/").WithTags("Account").AllowAnonymous();
        group.MapPost("/account", SignUp);
        group.MapPost("/tokens", CreateToken);
        group.MapPost("/account/password-reset", RequestPasswordReset).WithName("RequestPasswordReset")
            .WithSummary("Mails a single-use reset link if an account has this address; the answer is the same either way.");
        group.MapPost("/account/password-reset/complete", CompletePasswordReset).WithName("CompletePasswordReset")
            .WithSummary("Sets a new password with the token of a reset link; every portal session of the account ends.");
        return routes;
    }

    public static IEndpointRouteBuilder MapAccount(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/account").WithTags("Account");
        group.MapGet("/", Get);
        group.MapGet("/audit", Audit);
        group.MapGet("/tokens", ListTokens);
        group.MapDelete("/tokens/{id:guid}", RevokeToken);
        group.MapPut("/password", ChangePassword).WithName("ChangePassword")
            .WithSummary("Changes the password after checking the current one; other portal sessions end, API tokens stay.");
        group.MapPut("/profile", UpdateProfile).WithName("UpdateProfile")
            .WithSummary("Changes the name and the e-mail address; a new address needs the current password.");
        return routes;
    }

    /// <summary>The one answer to a reset request, whether or not an account has the address.</summary>
    public const string ResetRequestedMessage =
        "If an account uses this address, a link to choose a new password is on its way. It works once, for a limited time.";

    private static async Task<Results<Accepted<PasswordResetResponse>, ProblemHttpResult>> RequestPasswordReset(
        HttpContext http, AccountLinks links, PasswordResetRequest request, CancellationToken cancellationToken)
    {
        var failure = await links.RequestResetAsync(request.Email, http.Connection.RemoteIpAddress?.ToString(), cancellationToken);
        return failure is null
            ? TypedResults.Accepted((string?)null, new PasswordResetResponse(ResetRequestedMessage))
            : failure.ToProblem(http);
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> CompletePasswordReset(
        HttpContext http, AccountLinks links, Accounts accounts, CompletePasswordResetRequest request, CancellationToken cancellationToken)
    {
        var outcome = await links.ResetPasswordAsync(request.Token, request.NewPassword, http.Connection.RemoteIpAddress?.ToString(), accounts, cancellationToken);
        return outcome.Succeeded ? TypedResults.NoContent() : outcome.Failure!.ToProblem();
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> ChangePassword(
        HttpContext http, Accounts accounts, ChangePasswordRequest request, CancellationToken cancellationToken)
    {
        var outcome = await accounts.ChangePasswordAsync(Actor.From(http), request.CurrentPassword, request.NewPassword, cancellationToken);
        if (!outcome.Succeeded)
        {
            return outcome.Failure!.ToProblem(http);
        }
        await RenewCookieSessionAsync(http, outcome.Value!);
        return TypedResults.NoContent();
    }

    private static async Task<Results<Ok<AccountResponse>, ProblemHttpResult>> UpdateProfile(
        HttpContext http, Accounts accounts, ProfileRequest request, CancellationToken cancellationToken)
    {
        var outcome = await accounts.UpdateProfileAsync(Actor.From(http), new ProfileChange(request.DisplayName, request.Email, request.CurrentPassword), cancellationToken);
        if (!outcome.Succeeded)
        {
            return outcome.Failure!.ToProblem(http);
        }
        await RenewCookieSessionAsync(http, outcome.Value!);
        return TypedResults.Ok(outcome.Value!.ToResponse());
    }

    /// <summary>The session that made a change to its own account goes on under the account's new stamp, name and address.</summary>
    public static async Task RenewCookieSessionAsync(HttpContext http, User user)
    {
        ArgumentNullException.ThrowIfNull(http);
        if (http.User.Identity?.AuthenticationType == CookieAuthenticationDefaults.AuthenticationScheme)
        {
            await http.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme, UserPrincipal.For(user, CookieAuthenticationDefaults.AuthenticationScheme));
        }
    }

    private static async Task<Results<Created<AccountResponse>, ProblemHttpResult>> SignUp(
        HttpContext http, Accounts accounts, SignUpRequest request, CancellationToken cancellationToken)
    {
        var outcome = await accounts.SignUpAsync(
            new SignUp(request.Email, request.Password, request.DisplayName, request.AcceptTerms, request.Invitation),
            http.Connection.RemoteIpAddress?.ToString(), cancellationToken);
        return outcome.Succeeded
            ? TypedResults.Created("/api/v1/account", outcome.Value!.ToResponse())
            : outcome.Failure!.ToProblem();
    }

    private static async Task<Results<Created<IssuedTokenResponse>, ProblemHttpResult>> CreateToken(
        HttpContext http, Accounts accounts, CreateTokenRequest request, CancellationToken cancellationToken)
    {
        var address = http.Connection.RemoteIpAddress?.ToString();
        var user = await accounts.AuthenticateAsync(request.Email, request.Password, address, cancellationToken);
        if (!user.Succeeded)
        {
            return user.Failure!.ToProblem(http);
        }
        var issued = await accounts.IssueTokenAsync(user.Value!, request.Name, request.ExpiresAt, address, cancellationToken);
        if (!issued.Succeeded)
        {
            return issued.Failure!.ToProblem();
        }
        http.Response.Headers.CacheControl = "no-store";
        var (token, plaintext) = issued.Value;
        return TypedResults.Created($"/api/v1/account/tokens/{token.Id}", new IssuedTokenResponse(plaintext, token.ToResponse()));
    }

    private static async Task<Results<Ok<AccountResponse>, NotFound>> Get(HttpContext http, ShoalDb db, CancellationToken cancellationToken)
    {
        var id = Actor.From(http).RequiredId;
        var user = await db.Users.AsNoTracking().SingleOrDefaultAsync(u => u.Id == id, cancellationToken);
        return user is null ? TypedResults.NotFound() : TypedResults.Ok(user.ToResponse());
    }

    private static async Task<Ok<PageResponse<AuditEntryResponse>>> Audit(
        HttpContext http, ShoalDb db, int? page, int? pageSize, CancellationToken cancellationToken)
    {
        var id = Actor.From(http).RequiredId;
        var (number, size) = Paging.Normalize(page, pageSize);
        var query = db.AuditEntries.AsNoTracking().Where(e => e.SubjectUserId == id);
        var total = await query.CountAsync(cancellationToken);
        var items = await query.OrderByDescending(e => e.Id).Skip((number - 1) * size).Take(size).ToListAsync(cancellationToken);
        return TypedResults.Ok(new Paged<AuditEntry>(items, number, size, total).ToResponse(e => e.ToResponse()));
    }

    private static async Task<Ok<TokenResponse[]>> ListTokens(HttpContext http, ShoalDb db, CancellationToken cancellationToken)
    {
        var id = Actor.From(http).RequiredId;
        var tokens = await db.ApiTokens.AsNoTracking().Where(t => t.UserId == id).OrderByDescending(t => t.CreatedAt).ToListAsync(cancellationToken);
        return TypedResults.Ok(tokens.Select(t => t.ToResponse()).ToArray());
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> RevokeToken(
        HttpContext http, Accounts accounts, Guid id, CancellationToken cancellationToken) =>
        await accounts.RevokeTokenAsync(Actor.From(http), id, cancellationToken)
            ? TypedResults.NoContent()
            : new Missing("Token").ToProblem();

    public static AccountResponse ToResponse(this User u) => new(u.Id, u.Email, u.DisplayName, u.IsOperator, u.ApplicationQuota, u.CreatedAt);

    public static TokenResponse ToResponse(this ApiToken t) => new(t.Id, t.Name, t.Prefix, t.CreatedAt, t.ExpiresAt, t.RevokedAt, t.LastUsedAt);
}
