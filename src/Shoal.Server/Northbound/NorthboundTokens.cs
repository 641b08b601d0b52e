using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Shoal.Server.Accounts;
using Shoal.Server.Security;
using Shoal.Storage;
using Shoal.Storage.Entities;

namespace Shoal.Server.Northbound;

internal sealed record IssuedTokens(string AccessToken, string RefreshToken, TimeSpan ExpiresIn);

/// <summary>Logs NAs in with their application ID and secret, and checks the tokens they then carry.</summary>
internal sealed class NorthboundTokens(
    ShoalDb db,
    Applications.Applications applications,
    SecretHasher hasher,
    SignInThrottle throttle,
    Changes changes,
    IOptions<NorthboundOptions> options,
    TimeProvider time)
{
    public async Task<(IssuedTokens? Tokens, NorthboundError? Error, TimeSpan? RetryAfter)> LoginAsync(
        string? applicationId, string? secret, string? refreshToken, string? address, CancellationToken cancellationToken)
    {
        var applicationKey = "na-application:" + applicationId;
        var addressKey = "na-address:" + address;
        var wait = throttle.RetryAfter(applicationKey, address, options.Value.LoginFailuresPerApplication)
            ?? throttle.RetryAfter(addressKey, options.Value.LoginFailuresPerAddress);
        if (wait is not null)
        {
            return (null, NorthboundError.TooManyLogins(), wait);
        }

        var application = await db.Applications.SingleOrDefaultAsync(a => a.Id == applicationId, cancellationToken);
        var now = time.GetUtcNow();
        NorthboundToken? refreshed = null;
        var secretMatches = application is not null && secret is not null && applications.SecretMatches(application, secret);
        if (secretMatches && refreshToken is not null)
        {
            var hash = hasher.Hash(refreshToken);
            refreshed = await db.NorthboundTokens.SingleOrDefaultAsync(
                t => t.RefreshTokenHash == hash && t.ApplicationId == application!.Id && t.RevokedAt == null, cancellationToken);
        }
        var valid = secretMatches
            && (refreshToken is null || refreshed is not null && refreshed.RefreshExpiresAt > now && refreshed.IssuedAt >= application!.CredentialsIssuedAfter);
        if (!valid)
        {
            throttle.Fail(applicationKey, address);
            throttle.Fail(addressKey);
            return (null, NorthboundError.WrongSecret(), null);
        }
        throttle.Succeed(applicationKey, address);
        if (application!.FrozenAt is not null)
        {
            return (null, NorthboundError.Frozen(), null);
        }

        if (options.Value.SingleAccessToken)
        {
            await db.NorthboundTokens.Where(t => t.ApplicationId == application.Id && t.RevokedAt == null)
                .ExecuteUpdateAsync(t => t.SetProperty(x => x.RevokedAt, now), cancellationToken);
        }
        else if (refreshed is not null)
        {
            refreshed.RevokedAt = now;
        }
        var issued = new IssuedTokens(RandomSecrets.ApplicationSecret(), RandomSecrets.ApplicationSecret(), options.Value.AccessTokenLifetime);
        db.NorthboundTokens.Add(new NorthboundToken
        {
            ApplicationId = application.Id,
            AccessTokenHash = hasher.Hash(issued.AccessToken),
            RefreshTokenHash = hasher.Hash(issued.RefreshToken),
            IssuedAt = now,
            AccessExpiresAt = now + options.Value.AccessTokenLifetime,
            RefreshExpiresAt = now + options.Value.RefreshTokenLifetime,
        });
        await db.SaveChangesAsync(cancellationToken);
        if (options.Value.SingleAccessToken || refreshed is not null)
        {
            // Only a login that revoked tokens voids what the nodes remember of them.
            changes.Publish(ChangeKind.ApplicationTokens, application.Id);
        }
        return (issued, null, null);
    }

    public async Task LogoutAsync(string accessToken, CancellationToken cancellationToken)
    {
        var hash = hasher.Hash(accessToken);
        var applicationId = await db.NorthboundTokens.Where(t => t.AccessTokenHash == hash).Select(t => t.ApplicationId).SingleOrDefaultAsync(cancellationToken);
        await db.NorthboundTokens.Where(t => t.AccessTokenHash == hash && t.RevokedAt == null)
            .ExecuteUpdateAsync(t => t.SetProperty(x => x.RevokedAt, time.GetUtcNow()), cancellationToken);
        if (applicationId is not null)
        {
            changes.Publish(ChangeKind.ApplicationTokens, applicationId);
        }
    }
}
