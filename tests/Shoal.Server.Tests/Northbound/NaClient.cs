using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Shoal.Server.Tests.Infrastructure;

namespace Shoal.Server.Tests.Northbound;

/// <summary>
/// A network application written from the northbound API's documentation alone: raw paths, headers and bodies,
/// answers read by their documented field names. It never touches a server type, so a renamed field fails a test.
/// </summary>
public sealed class NaClient(HttpClient http, string appId)
{
    public const string LoginPath = "/iocm/app/sec/v1.1.0/login";
    public const string RefreshPath = "/iocm/app/sec/v1.1.0/refreshToken";
    public const string LogoutPath = "/iocm/app/sec/v1.1.0/logout";
    public const string RegisterPath = "/iocm/app/reg/v1.1.0/deviceCredentials";
    public const string DevicesPath = "/iocm/app/dm/v1.4.0/devices";

    public HttpClient Http => http;
    public string AppId => appId;
    public string AccessToken { get; set; } = "";
    public string RefreshToken { get; set; } = "";

    /// <summary>The login call as the documentation shows it: a form with the fields that are not null.</summary>
    public static Task<HttpResponseMessage> PostLoginAsync(HttpClient http, string? appId, string? secret)
    {
        var fields = new List<KeyValuePair<string, string>>();
        if (appId is not null)
        {
            fields.Add(new("appId", appId));
        }
        if (secret is not null)
        {
            fields.Add(new("secret", secret));
        }
        return http.PostAsync(LoginPath, new FormUrlEncodedContent(fields));
    }

    public async Task<string> LoginAsync(string secret)
    {
        var body = await (await PostLoginAsync(http, appId, secret)).JsonAsync();
        AccessToken = body.GetProperty("accessToken").GetString()!;
        RefreshToken = body.GetProperty("refreshToken").GetString()!;
        return AccessToken;
    }

    /// <summary>An authenticated call: <c>app_key</c> and <c>Authorization: Bearer</c>; a string body is sent as raw JSON.</summary>
    public Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, object? body = null)
    {
        var request = new HttpRequestMessage(method, path);
        request.Headers.Add("app_key", appId);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", AccessToken);
        request.Content = body switch
        {
            null => null,
            string json => new StringContent(json, Encoding.UTF8, "application/json"),
            _ => JsonContent.Create(body),
        };
        return http.SendAsync(request);
    }

    public Task<HttpResponseMessage> GetAsync(string path) => SendAsync(HttpMethod.Get, path);

    /// <summary>Registers a device that never expires (so a test may move the clock) and returns its deviceId.</summary>
    public async Task<string> RegisterAsync(string nodeId, string? name = null, string query = "")
    {
        var response = await SendAsync(HttpMethod.Post, RegisterPath + query, new { nodeId, timeout = 0, deviceInfo = new { name } });
        return (await response.JsonAsync()).GetProperty("deviceId").GetString()!;
    }
}

/// <summary>An application made through the management API, with its owner, one-time secret and a logged-in NA.</summary>
public sealed record NaApplication(TestUser Owner, string Id, string Name, string Secret, NaClient Na);

public static class Northbound
{
    private static int _applications;

    /// <summary>Signs up a user, creates an application and logs its NA in.</summary>
    public static async Task<NaApplication> NewApplicationAsync<TDatabase>(
        this ShoalApplication<TDatabase> shoal, TestUser? owner = null, params (string Field, object? Value)[] fields)
        where TDatabase : ITestDatabase, new()
    {
        owner ??= await shoal.SignUpAsync("na");
        var name = $"na-{Interlocked.Increment(ref _applications)}";
        var created = await owner.Client.CreateApplicationAsync(name, fields);
        var id = created.GetProperty("applicationId").GetString()!;
        var secret = created.GetProperty("secret").GetString()!;
        var na = new NaClient(shoal.CreateClient(), id);
        await na.LoginAsync(secret);
        return new NaApplication(owner, id, name, secret, na);
    }

    /// <summary>Asserts the reference platform's error body, <c>{"error_code", "error_desc"}</c>, with this status and code.</summary>
    public static async Task NaErrorAsync(this HttpResponseMessage response, HttpStatusCode status, string code)
    {
        var body = await response.JsonAsync(status);
        Assert.Equal(code, body.GetProperty("error_code").GetString());
        Assert.False(string.IsNullOrEmpty(body.GetProperty("error_desc").GetString()));
    }

    /// <summary>A time as the northbound API writes it: UTC, yyyyMMdd'T'HHmmss'Z'.</summary>
    public static string Time(DateTimeOffset value) =>
        value.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", System.Globalization.CultureInfo.InvariantCulture);

    public static async Task<JsonElement> DevicesAsync(this NaClient na, string query = "") =>
        await (await na.GetAsync(NaClient.DevicesPath + query)).JsonAsync();
}
