using Microsoft.EntityFrameworkCore;
using Shoal.Server.Security;
using Shoal.Storage;

namespace Shoal.Server.Northbound;

/// <summary>
/// Checks the access token an NA carries. A checked token is remembered, so that a call costs no database round trip
/// and touches nothing but singletons; anything that can void a token (a login that replaces it, a logout, a secret
/// reset, a freeze, a deletion) publishes a change for the application, which voids its tokens on every node.
/// </summary>
internal sealed class AccessTokenCheck
{
    /// <summary>How long a checked token is trusted without a change to void it: the bound for a change relayed late.</summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(10);

    private readonly ChangeCache<Caller> _tokens;
    private readonly SecretHasher _hasher;
    private readonly IServiceScopeFactory _scopes;
    private readonly TimeProvider _time;

    public AccessTokenCheck(SecretHasher hasher, IServiceScopeFactory scopes, Changes changes, TimeProvider time)
    {
        (_hasher, _scopes, _time) = (hasher, scopes, time);
        _tokens = new ChangeCache<Caller>(time, Lifetime, capacity: 100_000).VoidedBy(changes, ChangeKind.Application, ChangeKind.ApplicationTokens);
    }

    /// <summary>
    /// The ID of the application whose NA carries <paramref name="accessToken"/> as <paramref name="appKey"/>. A token dies
    /// with a logout, a newer login, a secret reset (issued before the application's credentials changed) or its expiry.
    /// </summary>
    public async ValueTask<(string? ApplicationId, NorthboundError? Error)> AuthenticateAsync(string appKey, string accessToken, CancellationToken cancellationToken)
    {
        var hash = _hasher.Hash(accessToken);
        var key = Convert.ToBase64String(hash);
        if (!_tokens.TryGet(key, out var caller) || caller.ApplicationId != appKey)
        {
            var stamp = _tokens.Stamp(appKey);
            (caller, var expiresAt) = await ReadAsync(hash, cancellationToken);
            if (caller is null || caller.ApplicationId != appKey)
            {
                return (null, NorthboundError.InvalidToken());
            }
            _tokens.Set(key, caller, appKey, stamp, expiresAt);
        }
        return caller.Frozen ? (null, NorthboundError.Frozen()) : (caller.ApplicationId, null);
    }

    private async Task<(Caller? Caller, DateTimeOffset ExpiresAt)> ReadAsync(byte[] hash, CancellationToken cancellationToken)
    {
        await using var scope = _scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ShoalDb>();
        var now = _time.GetUtcNow();
        var found = await db.NorthboundTokens.AsNoTracking()
            .Where(t => t.AccessTokenHash == hash && t.RevokedAt == null)
            .Join(db.Applications, t => t.ApplicationId, a => a.Id,
                (t, a) => new { a.Id, t.AccessExpiresAt, t.IssuedAt, a.CredentialsIssuedAfter, a.FrozenAt })
            .SingleOrDefaultAsync(cancellationToken);
        return found is null || found.AccessExpiresAt <= now || found.IssuedAt < found.CredentialsIssuedAfter
            ? (null, default)
            : (new Caller(found.Id, found.FrozenAt is not null), found.AccessExpiresAt);
    }

    /// <summary>As much of the calling application as a northbound call needs.</summary>
    private sealed record Caller(string ApplicationId, bool Frozen);
}
