using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Options;
using Shoal.Delivery.Rules;
using Shoal.Storage.Entities;

namespace Shoal.Delivery.Sms;

/// <summary>
/// Sends one SMS through one HTTP gateway: <c>{to}</c> and <c>{text}</c> are filled into the URL template (escaped)
/// and the body template (JSON-escaped when the body is JSON). Any 2xx answer is success.
/// </summary>
public sealed class SmsSender(IDataProtectionProvider protection, IOptions<MessageOptions> options) : IDisposable
{
    // The purpose the server's registry encrypts gateway headers with.
    private readonly IDataProtector _protector = protection.CreateProtector("Shoal.MessageServerSecrets.v1");
    private readonly HttpClient _http = new(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5), AllowAutoRedirect = false })
    {
        Timeout = options.Value.Timeout,
    };

    /// <summary>Null when the gateway answered 2xx, otherwise its status and the start of its answer.</summary>
    public async Task<string?> SendAsync(SmsServer server, string number, string text, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(server);
        var url = server.UrlTemplate.Replace("{to}", Uri.EscapeDataString(number), StringComparison.Ordinal)
            .Replace("{text}", Uri.EscapeDataString(text), StringComparison.Ordinal);
        using var request = new HttpRequestMessage(new HttpMethod(server.Method), url);
        if (server.ProtectedHeaders is not null)
        {
            foreach (var (name, value) in JsonSerializer.Deserialize<Dictionary<string, string>>(_protector.Unprotect(server.ProtectedHeaders))!)
            {
                request.Headers.TryAddWithoutValidation(name, value);
            }
        }
        if (server.BodyTemplate is { } template)
        {
            var json = template.TrimStart().StartsWith('{');
            string Escape(string value) => json ? JsonEncodedText.Encode(value).ToString() : Uri.EscapeDataString(value);
            var body = template.Replace("{to}", Escape(number), StringComparison.Ordinal).Replace("{text}", Escape(text), StringComparison.Ordinal);
            request.Content = new StringContent(body, Encoding.UTF8, json ? "application/json" : "application/x-www-form-urlencoded");
        }
        try
        {
            using var response = await _http.SendAsync(request, cancellationToken);
            if (response.IsSuccessStatusCode)
            {
                return null;
            }
            var answer = await response.Content.ReadAsStringAsync(cancellationToken);
            return $"The SMS gateway answered {(int)response.StatusCode}: {(answer.Length > 500 ? answer[..500] : answer)}";
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return $"The SMS gateway could not be reached: {e.Message}";
        }
    }

    public void Dispose() => _http.Dispose();
}
