using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Shoal.Storage;
using Shoal.Storage.Entities;

namespace Shoal.Server.Northbound;

/// <summary>
/// Who is calling (the NA's own application) and on whose devices it acts: its own, or, with <c>?appId=</c>,
/// those of an application that granted it access.
/// </summary>
internal sealed record NorthboundCaller(string CallerId, string TargetApplicationId, GrantLevel? Grant)
{
    public bool ActsForAnother => Grant is not null;

    public static NorthboundCaller Of(HttpContext http) =>
        (NorthboundCaller)(http ?? throw new ArgumentNullException(nameof(http))).Items[typeof(NorthboundCaller)]!;
}

/// <summary>Authenticates every northbound call but the login ones, applies the application's call rate, and resolves grants.</summary>
internal sealed class NorthboundAuthentication(AccessTokenCheck tokens, NorthboundCallRate rate) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        string? appKey = http.Request.Headers["app_key"];
        if (string.IsNullOrEmpty(appKey))
        {
            return NorthboundError.AppKeyMissing().ToResult();
        }
        var token = BearerToken(http.Request);
        if (string.IsNullOrEmpty(token))
        {
            return NorthboundError.InvalidToken().ToResult();
        }
        var (caller, error) = await tokens.AuthenticateAsync(appKey, token, http.RequestAborted);
        if (caller is null)
        {
            return error!.ToResult();
        }
        if (!rate.TryTake(caller))
        {
            return NorthboundError.Throttled().ToResult();
        }

        var (resolved, denied) = await ResolveAsync(http, caller, http.Request.Query["appId"]);
        if (denied is not null)
        {
            return denied.ToResult();
        }
        http.Items[typeof(NorthboundCaller)] = resolved;
        return await next(context);
    }

    /// <summary>
    /// The caller acting on <paramref name="target"/>: on itself when it is empty or its own ID, otherwise only with a
    /// grant in force from that application (edit for anything but a read).
    /// </summary>
    public static async Task<(NorthboundCaller? Caller, NorthboundError? Error)> ResolveAsync(HttpContext http, string caller, string? target)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(caller);
        if (string.IsNullOrEmpty(target) || target == caller)
        {
            return (new NorthboundCaller(caller, caller, null), null);
        }
        var services = http.RequestServices;
        var db = services.GetRequiredService<ShoalDb>();
        var now = services.GetRequiredService<TimeProvider>().GetUtcNow();
        var grant = await db.ApplicationGrants.AsNoTracking()
            .Where(g => g.GrantorId == target && g.GranteeId == caller)
            .Join(db.Applications, g => g.GrantorId, a => a.Id, (g, a) => new { g.Level, g.ExpiresAt, a.FrozenAt })
            .SingleOrDefaultAsync(http.RequestAborted);
        if (grant is null || grant.ExpiresAt <= now)
        {
            return (null, await db.Applications.AnyAsync(a => a.Id == target, http.RequestAborted)
                ? NorthboundError.NotAuthorized()
                : NorthboundError.ApplicationMissing());
        }
        if (grant.FrozenAt is not null)
        {
            return (null, NorthboundError.Frozen());
        }
        var writes = !HttpMethods.IsGet(http.Request.Method);
        if (writes && grant.Level != GrantLevel.Edit)
        {
            return (null, NorthboundError.NotAuthorized());
        }
        return (new NorthboundCaller(caller, target, grant.Level), null);
    }

    /// <summary>The bearer token, or the legacy <c>access_token</c> header that older NA clients send.</summary>
    private static string? BearerToken(HttpRequest request)
    {
        string? authorization = request.Headers.Authorization;
        if (authorization?.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) == true)
        {
            return authorization["Bearer ".Length..].Trim();
        }
        return request.Headers["access_token"].FirstOrDefault();
    }
}

/// <summary>
/// A count of each application's calls in fixed windows aligned to the Unix epoch, so that the nodes sharing a
/// database agree on them. Each node counts its own calls and adds the calls the other nodes counted as of their last
/// share (<see cref="NorthboundCallSharing"/>): together the nodes let through at most one share interval's worth of
/// calls more than the limit.
/// </summary>
internal sealed class NorthboundCallRate(IOptions<NorthboundOptions> options, TimeProvider time)
{
    private readonly ConcurrentDictionary<string, Counter> _counters = new(StringComparer.Ordinal);

    public bool TryTake(string applicationId) =>
        _counters.GetOrAdd(applicationId, _ => new Counter()).Take(WindowAt(time.GetUtcNow())) <= options.Value.CallsPerWindow;

    public long WindowAt(DateTimeOffset at) => at.UtcTicks / options.Value.ThrottleWindow.Ticks;

    /// <summary>This node's counts in <paramref name="window"/> that grew since they were last taken; applications idle since the last window are forgotten.</summary>
    public List<(string ApplicationId, int Calls)> TakeUnshared(long window)
    {
        var unshared = new List<(string, int)>();
        foreach (var (applicationId, counter) in _counters)
        {
            if (counter.TakeUnshared(window) is { } calls)
            {
                unshared.Add((applicationId, calls));
            }
            else if (counter.IdleBefore(window))
            {
                _counters.TryRemove(new KeyValuePair<string, Counter>(applicationId, counter));
            }
        }
        return unshared;
    }

    /// <summary>What the other nodes have counted in <paramref name="window"/>, by application.</summary>
    public void SetOthers(long window, IReadOnlyDictionary<string, int> others)
    {
        foreach (var (applicationId, calls) in others)
        {
            _counters.GetOrAdd(applicationId, _ => new Counter()).SetOthers(window, calls);
        }
    }

    private sealed class Counter
    {
        private readonly Lock _lock = new();
        private long _window;
        private int _own;
        private int _others;
        private bool _unshared;

        public int Take(long window)
        {
            lock (_lock)
            {
                Enter(window);
                _unshared = true;
                return ++_own + _others;
            }
        }

        public int? TakeUnshared(long window)
        {
            lock (_lock)
            {
                if (_window != window || !_unshared)
                {
                    return null;
                }
                _unshared = false;
                return _own;
            }
        }

        public bool IdleBefore(long window)
        {
            lock (_lock)
            {
                return _window < window - 1;
            }
        }

        public void SetOthers(long window, int calls)
        {
            lock (_lock)
            {
                Enter(window);
                _others = calls;
            }
        }

        private void Enter(long window)
        {
            if (_window != window)
            {
                (_window, _own, _others) = (window, 0, 0);
            }
        }
    }
}
