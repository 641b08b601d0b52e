using System.Buffers;
using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;
using MimeKit;
using SmtpServer;
using SmtpServer.Protocol;
using SmtpServer.Storage;

namespace Shoal.Server.Tests.Rules;

/// <summary>
/// A real SMTP server on a loopback port (the SmtpServer library, in process). Every message it accepts is parsed
/// with MimeKit; <see cref="Refusal"/> makes it refuse messages with that answer instead.
/// </summary>
public sealed class SmtpReceiver : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Channel<MimeMessage> _arrivals = Channel.CreateUnbounded<MimeMessage>();
    private readonly Task _running;

    public int Port { get; }

    private int _received;

    /// <summary>How many messages the server has accepted.</summary>
    public int Received => _received;

    /// <summary>When set, the server answers each message with this reply instead of accepting it.</summary>
    public SmtpResponse? Refusal { get; set; }

    /// <summary>How long the server takes to accept each message, as a slow server would.</summary>
    public TimeSpan Delay { get; set; }

    private SmtpReceiver(int port)
    {
        Port = port;
        var options = new SmtpServerOptionsBuilder().ServerName("localhost").Endpoint(e => e.Endpoint(new IPEndPoint(IPAddress.Loopback, port))).Build();
        var services = new SmtpServer.ComponentModel.ServiceProvider();
        services.Add(new Store(this));
        _running = new SmtpServer.SmtpServer(options, services).StartAsync(_stop.Token);
    }

    public static SmtpReceiver Start()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return new SmtpReceiver(port);
    }

    /// <summary>The next message the server accepted; waits on its arrival, at most <paramref name="wait"/> (a minute by default).</summary>
    public async Task<MimeMessage> NextAsync(TimeSpan? wait = null)
    {
        using var deadline = new CancellationTokenSource(wait ?? TimeSpan.FromMinutes(1));
        return await _arrivals.Reader.ReadAsync(deadline.Token);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await _running;
        }
        catch (OperationCanceledException)
        {
        }
        _stop.Dispose();
    }

    private sealed class Store(SmtpReceiver receiver) : MessageStore
    {
        public override async Task<SmtpResponse> SaveAsync(
            ISessionContext context, IMessageTransaction transaction, ReadOnlySequence<byte> buffer, CancellationToken cancellationToken)
        {
            if (receiver.Refusal is { } refusal)
            {
                return refusal;
            }
            await Task.Delay(receiver.Delay, cancellationToken);
            Interlocked.Increment(ref receiver._received);
            using var stream = new MemoryStream(buffer.ToArray());
            await receiver._arrivals.Writer.WriteAsync(await MimeMessage.LoadAsync(stream, cancellationToken), cancellationToken);
            return SmtpResponse.Ok;
        }
    }
}
