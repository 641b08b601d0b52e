using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace Shoal.Cli;

/// <summary>
/// The northbound API, for what the management API leaves to applications (commands, subscriptions): a login with the
/// application's ID and secret, then calls with its access token.
/// </summary>
internal sealed class NorthboundApi(HttpClient http, string appId, string accessToken) : IDisposable
{
    public static async Task<NorthboundApi> LoginAsync(Invocation run, string appId, string? secret, CancellationToken cancellationToken)
    {
        var profile = run.Profile;
        if (secret is not null)
        {
            profile.Secrets[appId] = secret;
            run.SaveProfiles();
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
        var http = new HttpClient(handler) { BaseAddress = ShoalApi.BaseOf(address) };
        try
        {
            using var form = new FormUrlEncodedContent([new("appId", appId), new("secret", secret)]);
            using var response = await SendAsync(http, new HttpRequestMessage(HttpMethod.Post, "iocm/app/sec/v1.1.0/login") { Content = form }, cancellationToken);
            var token = (await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken)).GetProperty("accessToken").GetString()!;
            return new NorthboundApi(http, appId, token);
        }
        catch
        {
            http.Dispose();
            throw;
        }
    }

    public async Task<JsonElement?> SendAsync(HttpMethod method, string path, object? body, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, "iocm/app/" + path) { Content = body is null ? null : JsonContent.Create(body) };
        request.Headers.Add("app_key", appId);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        using var response = await SendAsync(http, request, cancellationToken);
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        return text.Length == 0 ? null : JsonDocument.Parse(text).RootElement.Clone();
    }

    private static async Task<HttpResponseMessage> SendAsync(HttpClient http, HttpRequestMessage request, CancellationToken cancellationToken)
    {
        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, cancellationToken);
        }
        catch (HttpRequestException e)
        {
            throw new CliException(ExitCodes.Unavailable, $"Cannot reach the northbound API at {http.BaseAddress}: {e.Message}");
        }
        if (!response.IsSuccessStatusCode)
        {
            using (response)
            {
                throw await ServerErrors.FromAsync(response, cancellationToken);
            }
        }
        return response;
    }

    public void Dispose() => http.Dispose();
}
