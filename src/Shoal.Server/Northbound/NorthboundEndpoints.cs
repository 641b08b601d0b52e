using Shoal.Server.Commands;
using Shoal.Server.Devices;
using Shoal.Server.Rules;
using Shoal.Server.Subscriptions;

namespace Shoal.Server.Northbound;

internal static class NorthboundEndpoints
{
    /// <summary>The reference platform's northbound API v1 under <c>/iocm/app</c>, with the older path versions NAs still call.</summary>
    public static IEndpointRouteBuilder MapNorthbound(this IEndpointRouteBuilder routes)
    {
        var root = routes.MapGroup("/iocm/app").AllowAnonymous().ExcludeFromDescription();
        var security = root.MapGroup("/sec/v1.1.0");
        security.MapPost("/login", Login).DisableAntiforgery();
        security.MapPost("/refreshToken", Refresh);
        security.MapPost("/logout", Logout);

        var authenticated = root.MapGroup("/").AddEndpointFilter<NorthboundAuthentication>();
        authenticated.MapNorthboundDevices();
        authenticated.MapNorthboundDeviceHistory();
        authenticated.MapNorthboundShadow();
        authenticated.MapNorthboundCommands();
        authenticated.MapNorthboundSubscriptions();
        authenticated.MapNorthboundRules();
        return routes;
    }

    private static async Task<IResult> Login(HttpContext http, NorthboundTokens tokens, CancellationToken cancellationToken)
    {
        if (!http.Request.HasFormContentType)
        {
            return NorthboundError.Invalid("login takes a form-encoded body (application/x-www-form-urlencoded).").ToResult();
        }
        IFormCollection form;
        try
        {
            form = await http.Request.ReadFormAsync(cancellationToken);
        }
        // A multipart body without a boundary, a broken one, or one past the form limits (fields, key and value lengths).
        catch (Exception error) when (error is InvalidDataException or InvalidOperationException or IOException)
        {
            return NorthboundError.Invalid($"The login form could not be read: {error.Message}").ToResult();
        }
        string? appId = form["appId"];
        string? secret = form["secret"];
        if (string.IsNullOrEmpty(appId) || string.IsNullOrEmpty(secret))
        {
            return NorthboundError.Missing(string.IsNullOrEmpty(appId) ? "appId" : "secret").ToResult();
        }
        return await IssueAsync(http, tokens, appId, secret, null, cancellationToken);
    }

    private static async Task<IResult> Refresh(HttpContext http, NorthboundTokens tokens, CancellationToken cancellationToken)
    {
        var (body, error) = await NorthboundJson.ReadAsync<RefreshRequest>(http.Request, cancellationToken);
        if (error is not null)
        {
            return error.ToResult();
        }
        foreach (var (name, value) in new[] { ("appId", body!.AppId), ("secret", body.Secret), ("refreshToken", body.RefreshToken) })
        {
            if (string.IsNullOrEmpty(value))
            {
                return NorthboundError.Missing(name).ToResult();
            }
        }
        return await IssueAsync(http, tokens, body.AppId!, body.Secret!, body.RefreshToken, cancellationToken);
    }

    private static async Task<IResult> Logout(HttpContext http, NorthboundTokens tokens, CancellationToken cancellationToken)
    {
        var (body, error) = await NorthboundJson.ReadAsync<LogoutRequest>(http.Request, cancellationToken);
        if (error is not null)
        {
            return error.ToResult();
        }
        if (string.IsNullOrEmpty(body!.AccessToken))
        {
            return NorthboundError.Missing("accessToken").ToResult();
        }
        await tokens.LogoutAsync(body.AccessToken, cancellationToken);
        return TypedResults.NoContent();
    }

    private static async Task<IResult> IssueAsync(
        HttpContext http, NorthboundTokens tokens, string appId, string secret, string? refreshToken, CancellationToken cancellationToken)
    {
        var (issued, error, retryAfter) = await tokens.LoginAsync(appId, secret, refreshToken, http.Connection.RemoteIpAddress?.ToString(), cancellationToken);
        if (error is not null)
        {
            if (retryAfter is { } wait)
            {
                http.Response.Headers.RetryAfter = Math.Ceiling(wait.TotalSeconds).ToString("0");
            }
            return error.ToResult();
        }
        http.Response.Headers.CacheControl = "no-store";
        return TypedResults.Json(
            new LoginResponse("default", "bearer", (int)issued!.ExpiresIn.TotalSeconds, issued.AccessToken, issued.RefreshToken),
            NorthboundJson.Options);
    }

    private sealed record RefreshRequest(string? AppId, string? Secret, string? RefreshToken);

    private sealed record LogoutRequest(string? AccessToken);

    private sealed record LoginResponse(string Scope, string TokenType, int ExpiresIn, string AccessToken, string RefreshToken);
}
