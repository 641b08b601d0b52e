using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Shoal.Server.Audit;
using Shoal.Server.Security;
using Shoal.Storage;
using Shoal.Storage.Entities;

namespace Shoal.Server.Accounts;

/// <summary>Authenticates management API calls that carry a personal API token as a bearer token.</summary>
internal sealed class ApiTokenAuthentication(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    ShoalDb db,
    SecretHasher hasher,
    TimeProvider time)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiToken";
    private static readonly TimeSpan LastUsedResolution = TimeSpan.FromMinutes(1);

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        string? header = Request.Headers.Authorization;
        if (header is null || !header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return AuthenticateResult.NoResult();
        }
        var hash = hasher.Hash(header["Bearer ".Length..].Trim());
        var now = time.GetUtcNow();
        var found = await db.ApiTokens
            .Where(t => t.TokenHash == hash)
            .Join(db.Users, t => t.UserId, u => u.Id, (t, u) => new { Token = t, User = u })
            .SingleOrDefaultAsync(Context.RequestAborted);
        if (found is null || found.Token.RevokedAt is not null || found.Token.ExpiresAt <= now)
        {
            return AuthenticateResult.Fail("The API token is unknown, revoked or expired.");
        }
        if (found.User.FrozenAt is not null)
        {
            return AuthenticateResult.Fail("The account is frozen.");
        }
        if (found.Token.LastUsedAt is null || now - found.Token.LastUsedAt > LastUsedResolution)
        {
            found.Token.LastUsedAt = now;
            await db.SaveChangesAsync(Context.RequestAborted);
        }
        return AuthenticateResult.Success(new AuthenticationTicket(UserPrincipal.For(found.User, SchemeName), SchemeName));
    }
}

internal static class UserPrincipal
{
    /// <summary>The user's security stamp when the session began; a session under an older stamp has ended.</summary>
    public const string StampClaim = "shoal:stamp";

    public static ClaimsPrincipal For(User user, string authenticationType)
    {
        ArgumentNullException.ThrowIfNull(user);
        List<Claim> claims =
        [
            new(ClaimTypes.NameIdentifier, user.Id.ToString()),
            new(ClaimTypes.Email, user.Email),
            new(ClaimTypes.Name, user.DisplayName),
            new(StampClaim, user.SecurityStamp),
        ];
        if (user.IsOperator)
        {
            claims.Add(new Claim(ClaimTypes.Role, Roles.Operator));
        }
        return new ClaimsPrincipal(new ClaimsIdentity(claims, authenticationType));
    }
}
