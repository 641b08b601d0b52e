using System.Net;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Shoal.Coap.Protocol;
using Shoal.Coap.Transport;

namespace Shoal.Coap.Tests.Protocol;

/// <summary>A running endpoint on a <see cref="MemoryChannel"/> with a fake clock; the test plays the peer.</summary>
internal sealed class EndpointHarness : IAsyncDisposable
{
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _running;
    private int _nextMessageId = 0x1000;

    public EndpointHarness(CoapEndpointOptions? options = null, ILogger<CoapEndpoint>? logger = null)
    {
        Endpoint = new CoapEndpoint(Channel, options ?? new CoapEndpointOptions(), Handler, Time, logger ?? NullLogger<CoapEndpoint>.Instance);
        _running = Endpoint.RunAsync(_stopping.Token);
    }

    public static CoapPeer Device { get; } = new(new IPEndPoint(IPAddress.Parse("192.0.2.10"), 40000));

    public MemoryChannel Channel { get; } = new();
    public DelegateHandler Handler { get; } = new();
    public FakeTimeProvider Time { get; } = new();
    public CoapEndpoint Endpoint { get; }

    /// <summary>The endpoint's receive loop; it ends only when the harness is disposed.</summary>
    public Task Running => _running;

    /// <summary>A request from the device with a fresh message ID and a two-byte token.</summary>
    public CoapMessage Request(CoapCode method, string path, CoapType type = CoapType.Confirmable)
    {
        var request = CoapMessage.Request(method, path);
        request.Type = type;
        request.MessageId = (ushort)Interlocked.Increment(ref _nextMessageId);
        request.Token = new byte[] { 0xCA, (byte)request.MessageId };
        return request;
    }

    /// <summary>
    /// Sends a CoAP ping and waits for its RST: the endpoint reads datagrams in order, so everything delivered before
    /// has been taken in by then. Returns whatever was sent before the RST.
    /// </summary>
    public async Task<List<CoapMessage>> SyncAsync(CoapPeer? peer = null)
    {
        var messageId = (ushort)Interlocked.Increment(ref _nextMessageId);
        peer ??= Device;
        Channel.Deliver(peer, CoapMessage.EmptyBytes(CoapType.Confirmable, messageId));
        var before = new List<CoapMessage>();
        while (true)
        {
            var (to, bytes) = await Channel.NextSentBytesAsync();
            var sent = CoapMessage.Parse(bytes);
            if (to == peer && sent.Type == CoapType.Reset && sent.MessageId == messageId)
            {
                return before;
            }

            before.Add(sent);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        await _running;
        _stopping.Dispose();
    }
}
