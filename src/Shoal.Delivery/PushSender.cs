using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Microsoft.Extensions.Options;
using Shoal.Storage.Entities;

namespace Shoal.Delivery;

/// <summary>One push request: where, what, and what to trust and sign it with.</summary>
internal sealed record PushRequest(
    string ApplicationId, PushProtocol Protocol, string? CaCertificatesPem, string CallbackUrl, string WebhookId, string Body,
    IReadOnlyList<byte[]> SigningKeys, long? Sequence = null);

/// <summary>What came of one push request; <see cref="Status"/> is null when no response came.</summary>
internal sealed record PushResult(int? Status, TimeSpan Latency, string? Error, TimeSpan? RetryAfter = null)
{
    public bool Succeeded => Error is null && Status is >= 200 and < 300;
}

/// <summary>
/// Sends pushes: the only outbound HTTP client of Shoal. No redirect is followed, every connection passes the
/// <see cref="CallbackAddressGuard"/> again, and HTTPS trusts only the application's uploaded CA certificates.
/// Each application has its own connection pool so that a connection verified for one is never reused by another.
/// </summary>
internal sealed class PushSender(CallbackAddressGuard guard, IOptions<DeliveryOptions> options, TimeProvider time) : IDisposable
{
    /// <summary>Grows with each event of a device; the pushes made from one event share it.</summary>
    public const string SequenceHeader = "shoal-sequence";

    private readonly ConcurrentDictionary<string, HttpClient> _clients = new();

    public async Task<PushResult> SendAsync(PushRequest push, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        PushResult Failed(string error) => new(null, Stopwatch.GetElapsedTime(started), error);

        if (!Uri.TryCreate(push.CallbackUrl, UriKind.Absolute, out var url))
        {
            return Failed("The callback URL is not an absolute URL.");
        }
        var expectedScheme = push.Protocol == PushProtocol.Https ? Uri.UriSchemeHttps : Uri.UriSchemeHttp;
        if (url.Scheme != expectedScheme)
        {
            return Failed($"The callback URL is {url.Scheme} but the application pushes over {expectedScheme}.");
        }
        if (push.Protocol == PushProtocol.Https && string.IsNullOrEmpty(push.CaCertificatesPem))
        {
            return Failed("The application has no CA certificate to verify its NA's HTTPS server with.");
        }

        var timestamp = time.GetUtcNow().ToUnixTimeSeconds();
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new StringContent(push.Body, Encoding.UTF8, "application/json") };
        request.Headers.Add("webhook-id", push.WebhookId);
        request.Headers.Add("webhook-timestamp", timestamp.ToString(System.Globalization.CultureInfo.InvariantCulture));
        request.Headers.Add("webhook-signature", PushSigning.Sign(push.SigningKeys, push.WebhookId, timestamp, push.Body));
        if (push.Sequence is { } sequence)
        {
            request.Headers.Add(SequenceHeader, sequence.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
        try
        {
            using var response = await ClientFor(push).SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            var status = (int)response.StatusCode;
            return new PushResult(status, Stopwatch.GetElapsedTime(started),
                status is >= 200 and < 300 ? null : $"The receiver answered {status} {response.ReasonPhrase}.",
                RetryAfter(response));
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return Failed($"No answer within {options.Value.Timeout.TotalSeconds:0} seconds.");
        }
        catch (HttpRequestException error)
        {
            return Failed(Describe(error));
        }
    }

    private TimeSpan? RetryAfter(HttpResponseMessage response) => response.Headers.RetryAfter switch
    {
        { Delta: { } delta } => delta,
        { Date: { } date } => date - time.GetUtcNow(),
        _ => null,
    };

    private static string Describe(HttpRequestException error)
    {
        var inner = error.InnerException;
        return inner switch
        {
            RefusedAddressException refused => refused.Message,
            System.Security.Authentication.AuthenticationException => $"TLS failed: the NA's certificate is not trusted by the application's CA certificates or does not match the host. {inner.Message}",
            SocketException socket => $"Connection failed: {socket.Message}",
            _ => error.Message,
        };
    }

    private HttpClient ClientFor(PushRequest push)
    {
        var key = push.Protocol == PushProtocol.Https
            ? $"{push.ApplicationId}:{Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(push.CaCertificatesPem!)))}"
            : push.ApplicationId;
        return _clients.GetOrAdd(key, _ => NewClient(push.Protocol == PushProtocol.Https ? push.CaCertificatesPem : null));
    }

    private HttpClient NewClient(string? caPem)
    {
        var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseCookies = false,
            UseProxy = false,
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            ConnectCallback = ConnectAsync,
        };
        if (caPem is not null)
        {
            var roots = new X509Certificate2Collection();
            roots.ImportFromPem(caPem);
            handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, presented, errors) =>
                IsTrusted(roots, certificate, presented, errors);
        }
        return new HttpClient(handler) { Timeout = options.Value.Timeout };
    }

    /// <summary>Trusts a server certificate only through the application's CA certificates, and only for the host it was asked for.</summary>
    private bool IsTrusted(X509Certificate2Collection roots, X509Certificate? certificate, X509Chain? presented, SslPolicyErrors errors)
    {
        if (certificate is null || errors.HasFlag(SslPolicyErrors.RemoteCertificateNameMismatch) || errors.HasFlag(SslPolicyErrors.RemoteCertificateNotAvailable))
        {
            return false;
        }
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(roots);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.VerificationTime = time.GetUtcNow().UtcDateTime;
        if (presented is not null)
        {
            foreach (var element in presented.ChainElements)
            {
                chain.ChainPolicy.ExtraStore.Add(element.Certificate);
            }
        }
        return chain.Build(certificate as X509Certificate2 ?? new X509Certificate2(certificate));
    }

    /// <summary>Resolves and checks the host again at connect time, so a name that now points inside is still refused.</summary>
    private async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        var (addresses, refusal) = await guard.ResolveAsync(context.DnsEndPoint.Host, cancellationToken);
        if (refusal is not null)
        {
            throw new RefusedAddressException(refusal);
        }
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(addresses, context.DnsEndPoint.Port, cancellationToken);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        foreach (var client in _clients.Values)
        {
            client.Dispose();
        }
    }

    private sealed class RefusedAddressException(string message) : Exception(message);
}
