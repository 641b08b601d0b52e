using System.Net;
using System.Threading.Channels;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Shoal.Server.Tests.Rules;

/// <summary>One request as the SMS gateway received it.</summary>
public sealed record ReceivedSms(string Method, string Path, string Authorization, string ContentType, string Body);

/// <summary>
/// An HTTP SMS gateway: a real Kestrel server on a loopback port that records each request and answers 200, or
/// <see cref="Refusal"/> instead.
/// </summary>
public sealed class SmsGateway : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly Channel<ReceivedSms> _arrivals = Channel.CreateUnbounded<ReceivedSms>();

    private SmsGateway(WebApplication app) => _app = app;

    public Uri Address { get; private set; } = null!;

    private int _received;

    /// <summary>How many requests the gateway has accepted.</summary>
    public int Received => _received;

    /// <summary>When set, the gateway answers each request with this status instead of accepting it.</summary>
    public int? Refusal { get; set; }

    public static async Task<SmsGateway> StartAsync()
    {
        // An empty builder reads no configuration, so no HTTPS endpoint of the test process's settings reaches it.
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var gateway = new SmsGateway(app);
        app.Run(async http =>
        {
            using var reader = new StreamReader(http.Request.Body);
            var body = await reader.ReadToEndAsync(http.RequestAborted);
            if (gateway.Refusal is { } refusal)
            {
                http.Response.StatusCode = refusal;
                return;
            }
            Interlocked.Increment(ref gateway._received);
            await gateway._arrivals.Writer.WriteAsync(
                new ReceivedSms(http.Request.Method, http.Request.Path.ToUriComponent(), http.Request.Headers.Authorization.ToString(), http.Request.ContentType ?? "", body));
            http.Response.StatusCode = StatusCodes.Status200OK;
        });
        await app.StartAsync();
        gateway.Address = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        return gateway;
    }

    public string Url(string pathTemplate) => Address.ToString().TrimEnd('/') + pathTemplate;

    /// <summary>
    /// The next request that <paramref name="matches"/>, at most a minute away, passing over others: a healthy
    /// gateway also takes the SMS of rules that select none, left over from earlier tests.
    /// </summary>
    public async Task<ReceivedSms> NextAsync(Func<ReceivedSms, bool> matches)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        while (true)
        {
            var sms = await _arrivals.Reader.ReadAsync(deadline.Token);
            if (matches(sms))
            {
                return sms;
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
