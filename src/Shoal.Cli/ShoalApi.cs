using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace Shoal.Cli;

/// <summary>The management API (/api/v1) with the profile's bearer token.</summary>
internal sealed class ShoalApi(HttpClient http) : IDisposable
{
    public static ShoalApi For(Profile profile, string? token = null)
    {
        var http = new HttpClient { BaseAddress = BaseOf(profile.Server), Timeout = Timeout.InfiniteTimeSpan };
        if ((token ?? profile.Token) is { Length: > 0 } bearer)
        {
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        }
        return new ShoalApi(http);
    }

    public static Uri BaseOf(string server)
    {
        if (!Uri.TryCreate(server.TrimEnd('/') + "/", UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            throw new CliException(ExitCodes.Usage, $"'{server}' is not a server address: give one like https://shoal.example.com.");
        }
        return uri;
    }

    public HttpClient Http => http;

    public Task<JsonElement?> GetAsync(string path, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Get, path, null, cancellationToken);

    public Task<JsonElement?> PostAsync(string path, object? body, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Post, path, body, cancellationToken);

    public Task<JsonElement?> PutAsync(string path, object? body, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Put, path, body, cancellationToken);

    public Task<JsonElement?> DeleteAsync(string path, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Delete, path, null, cancellationToken);

    /// <summary>Sends a request under /api/v1; a body that is <see cref="HttpContent"/> goes as it is, any other as JSON.</summary>
    public async Task<JsonElement?> SendAsync(HttpMethod method, string path, object? body, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, "api/v1/" + path.TrimStart('/'))
        {
            Content = body switch
            {
                null => null,
                HttpContent content => content,
                _ => JsonContent.Create(body),
            },
        };
        using var response = await SendRawAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw await ServerErrors.FromAsync(response, cancellationToken);
        }
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        return text.Length == 0 ? null : JsonDocument.Parse(text).RootElement.Clone();
    }

    /// <summary>Sends as it is; only an unreachable server becomes an error here.</summary>
    public async Task<HttpResponseMessage> SendRawAsync(HttpRequestMessage request, HttpCompletionOption completion, CancellationToken cancellationToken)
    {
        try
        {
            return await http.SendAsync(request, completion, cancellationToken);
        }
        catch (HttpRequestException e)
        {
            throw new CliException(ExitCodes.Unavailable, $"Cannot reach {http.BaseAddress}: {e.Message}");
        }
    }

    /// <summary>Every item of a paged list, page after page.</summary>
    public async Task<List<JsonElement>> ListAllAsync(string path, CancellationToken cancellationToken)
    {
        var items = new List<JsonElement>();
        var separator = path.Contains('?', StringComparison.Ordinal) ? '&' : '?';
        for (var page = 1; ; page++)
        {
            var answer = (await GetAsync($"{path}{separator}page={page}&pageSize=100", cancellationToken))!.Value;
            items.AddRange(answer.GetProperty("items").EnumerateArray());
            if (items.Count >= answer.GetProperty("totalCount").GetInt32() || answer.GetProperty("items").GetArrayLength() == 0)
            {
                return items;
            }
        }
    }

    public void Dispose() => http.Dispose();
}
