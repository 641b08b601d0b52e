using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Threading.Channels;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Shoal.Server.Tests.Subscriptions;

/// <summary>One request as the NA's server received it.</summary>
public sealed record ReceivedPush(
    string Path, string WebhookId, string Timestamp, string Signature, string ContentType, string Body, int AnsweredStatus, string Sequence);

/// <summary>
/// An NA's push receiver: a real Kestrel server on a loopback port, over HTTP or (with a certificate) HTTPS.
/// <see cref="Answer"/> decides each response; every request is recorded, whatever was answered.
/// </summary>
public sealed class PushReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly Channel<ReceivedPush> _arrivals = Channel.CreateUnbounded<ReceivedPush>();

    public ConcurrentQueue<ReceivedPush> Received { get; } = new();

    /// <summary>Sets the status and headers of the answer to one request; 200 by default.</summary>
    public Func<HttpResponse, int> Answer { get; set; } = _ => StatusCodes.Status200OK;

    /// <summary>While set and not complete, every request waits for it before it is answered: a receiver that hangs.</summary>
    public Task? Hold { get; set; }

    /// <summary>How long every request waits before it is answered: a slow receiver.</summary>
    public TimeSpan Delay { get; set; }

    public Uri Address { get; }

    private PushReceiver(WebApplication app, Uri address)
    {
        _app = app;
        Address = address;
    }

    public string Url(string path = "/push") => new Uri(Address, path).ToString();

    public static async Task<PushReceiver> StartAsync(X509Certificate2? certificate = null)
    {
        // Empty: nothing from the test folder's appsettings.json (Shoal's own endpoints) may reach the receiver.
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0, listen =>
        {
            if (certificate is not null)
            {
                listen.UseHttps(certificate);
            }
        }));
        var app = builder.Build();
        PushReceiver? receiver = null;
        app.Run(async http =>
        {
            using var reader = new StreamReader(http.Request.Body);
            var body = await reader.ReadToEndAsync(http.RequestAborted);
            var status = receiver!.Answer(http.Response);
            var push = new ReceivedPush(
                http.Request.Path, http.Request.Headers["webhook-id"].ToString(), http.Request.Headers["webhook-timestamp"].ToString(),
                http.Request.Headers["webhook-signature"].ToString(), http.Request.ContentType ?? "", body, status,
                http.Request.Headers["shoal-sequence"].ToString());
            receiver.Received.Enqueue(push);
            await receiver._arrivals.Writer.WriteAsync(push, http.RequestAborted);
            if (receiver.Hold is { } hold)
            {
                await hold.WaitAsync(http.RequestAborted);
            }
            await Task.Delay(receiver.Delay, http.RequestAborted);
            http.Response.StatusCode = status;
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        receiver = new PushReceiver(app, new Uri(address.Replace("[::]", "127.0.0.1", StringComparison.Ordinal)));
        return receiver;
    }

    /// <summary>Waits for the next request; <paramref name="beforeEachWait"/> runs first and may move the clock so retries fall due.</summary>
    public async Task<ReceivedPush> NextAsync(Action? beforeEachWait = null)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        while (true)
        {
            if (_arrivals.Reader.TryRead(out var push))
            {
                return push;
            }
            beforeEachWait?.Invoke();
            using var slice = CancellationTokenSource.CreateLinkedTokenSource(deadline.Token);
            slice.CancelAfter(TimeSpan.FromMilliseconds(300));
            try
            {
                await _arrivals.Reader.WaitToReadAsync(slice.Token);
            }
            catch (OperationCanceledException) when (!deadline.IsCancellationRequested)
            {
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
