using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace Shoal.Cli;

/// <summary>
/// The northbound API, for what the management API leaves to applications (device commands): a login with the
/// application's ID and secret, then calls with its access token. The token is kept in the profile and reused until it
/// expires, because with the server's default a login revokes the application's earlier tokens, its own NA's among them.
/// </summary>
internal sealed class NorthboundApi : IDisposable
{
    private readonly Invocation _run;
    private readonly HttpClient _http;
    private readonly string _appId;
    private readonly string _secret;
    private string? _accessToken;

    private NorthboundApi(Invocation run, HttpClient http, string appId, string secret)
    {
        (_run, _http, _appId, _secret) = (run, http, appId, secret);
        if (run.Profile.NorthboundTokens.TryGetValue(appId, out var kept) && kept.ExpiresAt > DateTimeOffset.UtcNow.AddMinutes(1))
        {
            _accessToken = kept.AccessToken;
        }
    }

    public static async Task<NorthboundApi> LoginAsync(Invocation run, string appId, string? secret, CancellationToken cancellationToken)
    {
        var profile = run.Profile;
        if (secret is not null)
        {
            if (!profile.Secrets.TryGetValue(appId, out var kept) || kept != secret)
            {
                profile.Secrets[appId] = secret;
                profile.NorthboundTokens.Remove(appId);
                run.SaveProfiles();
            }
        }
        else if (!profile.Secrets.TryGetValue(appId, out secret))
        {
            throw new CliException(ExitCodes.Auth,
                $"No secret is known for application {appId}: pass --app-secret, or run `shoal apps reset-secret {appId}` to issue one.");
        }
        var address = profile.Northbound;
        if (address is null)
        {
            using var api = run.Api();
            address = (await api.GetAsync($"applications/{Uri.EscapeDataString(appId)}", cancellationToken))!.Value.GetProperty("applicationAccessAddress").GetString()!;
        }
        var handler = new HttpClientHandler();
        if (profile.Insecure)
        {
            handler.ServerCertificateCustomValidationCallback = HttpClientHandler.DangerousAcceptAnyServerCertificateValidator;
        }
        return new NorthboundApi(run, new HttpClient(handler) { BaseAddress = ShoalApi.BaseOf(address) }, appId, secret);
    }

    public async Task<JsonElement?> SendAsync(HttpMethod method, string path, object? body, CancellationToken cancellationToken)
    {
        var kept = _accessToken is not null;
        _accessToken ??= await LoginAsync(cancellationToken);
        var response = await SendAsync(Request(method, path, body), cancellationToken);
        if (response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden && kept)
        {
            // The kept token was revoked (another login, a secret reset; the reference platform answers 403): log in once more.
            response.Dispose();
            _accessToken = await LoginAsync(cancellationToken);
            response = await SendAsync(Request(method, path, body), cancellationToken);
        }
        using (response)
        {
            if (!response.IsSuccessStatusCode)
            {
                throw await ServerErrors.FromAsync(response, cancellationToken);
            }
            var text = await response.Content.ReadAsStringAsync(cancellationToken);
            return text.Length == 0 ? null : JsonDocument.Parse(text).RootElement.Clone();
        }
    }

    private HttpRequestMessage Request(HttpMethod method, string path, object? body)
    {
        var request = new HttpRequestMessage(method, "iocm/app/" + path) { Content = body is null ? null : JsonContent.Create(body) };
        request.Headers.Add("app_key", _appId);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _accessToken);
        return request;
    }

    private async Task<string> LoginAsync(CancellationToken cancellationToken)
    {
        using var form = new FormUrlEncodedContent([new("appId", _appId), new("secret", _secret)]);
        using var response = await SendAsync(new HttpRequestMessage(HttpMethod.Post, "iocm/app/sec/v1.1.0/login") { Content = form }, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            _run.Profile.NorthboundTokens.Remove(_appId);
            _run.SaveProfiles();
            throw await ServerErrors.FromAsync(response, cancellationToken);
        }
        var login = await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
        var token = login.GetProperty("accessToken").GetString()!;
        _run.Profile.NorthboundTokens[_appId] = new NorthboundToken
        {
            AccessToken = token,
            ExpiresAt = DateTimeOffset.UtcNow.AddSeconds(login.GetProperty("expiresIn").GetInt32()),
        };
        _run.SaveProfiles();
        return token;
    }

    private async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        using (request)
        {
            try
            {
                return await _http.SendAsync(request, cancellationToken);
            }
            catch (HttpRequestException e)
            {
                throw new CliException(ExitCodes.Unavailable, $"Cannot reach the northbound API at {_http.BaseAddress}: {e.Message}");
            }
        }
    }

    public void Dispose() => _http.Dispose();
}
