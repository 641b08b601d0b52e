using System.Net;
using System.Threading.Channels;
using Shoal.Coap.Protocol;
using Shoal.Coap.Transport;

namespace Shoal.Coap.Tests;

/// <summary>A datagram channel in memory: the test delivers what peers send and reads what the endpoint sent.</summary>
internal sealed class MemoryChannel : IDatagramChannel
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private readonly Channel<Datagram> _inbox = Channel.CreateUnbounded<Datagram>();
    private readonly Channel<(CoapPeer Peer, byte[] Bytes)> _sent = Channel.CreateUnbounded<(CoapPeer, byte[])>();

    public IPEndPoint LocalEndPoint { get; } = new(IPAddress.Loopback, 5683);

    public void Deliver(CoapPeer from, byte[] datagram) => _inbox.Writer.TryWrite(new Datagram(from, datagram));

    public void Deliver(CoapPeer from, CoapMessage message) => Deliver(from, message.ToBytes());

    /// <summary>Whether the endpoint has sent something not read yet.</summary>
    public bool HasSent => _sent.Reader.TryPeek(out _);

    public async Task<(CoapPeer Peer, byte[] Bytes)> NextSentBytesAsync()
    {
        using var patience = new CancellationTokenSource(Patience);
        return await _sent.Reader.ReadAsync(patience.Token);
    }

    public async Task<CoapMessage> NextSentAsync() => CoapMessage.Parse((await NextSentBytesAsync()).Bytes);

    public ValueTask<Datagram> ReceiveAsync(CancellationToken cancellationToken) => _inbox.Reader.ReadAsync(cancellationToken);

    public ValueTask SendAsync(CoapPeer peer, ReadOnlyMemory<byte> datagram, CancellationToken cancellationToken)
    {
        _sent.Writer.TryWrite((peer, datagram.ToArray()));
        return ValueTask.CompletedTask;
    }

    public ValueTask DisposeAsync()
    {
        _inbox.Writer.TryComplete();
        return ValueTask.CompletedTask;
    }
}

/// <summary>A handler made of delegates; by default it answers 2.05 with the request's path.</summary>
internal sealed class DelegateHandler : ICoapHandler
{
    public Func<CoapPeer, CoapMessage, Task<CoapMessage>> OnRequest { get; set; } =
        (_, request) => Task.FromResult(Content(request, request.Path));

    public Func<CoapPeer, CoapMessage, Task<bool>> OnNotification { get; set; } = (_, _) => Task.FromResult(true);

    public int Requests => _requests;

    private int _requests;

    public static CoapMessage Content(CoapMessage request, string text)
    {
        var response = request.CreateResponse(CoapCode.Content);
        response.Payload = System.Text.Encoding.UTF8.GetBytes(text);
        return response;
    }

    public Task<CoapMessage> HandleRequestAsync(CoapPeer peer, CoapMessage request, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _requests);
        return OnRequest(peer, request);
    }

    public Task<bool> HandleNotificationAsync(CoapPeer peer, CoapMessage notification, CancellationToken cancellationToken) =>
        OnNotification(peer, notification);
}
