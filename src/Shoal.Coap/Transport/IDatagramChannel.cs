using System.Net;

namespace Shoal.Coap.Transport;

/// <summary>
/// Who sent a datagram: its address and, over DTLS, the PSK identity its session was keyed with (null over plain UDP).
/// </summary>
internal sealed record CoapPeer(IPEndPoint EndPoint, string? Identity = null);

/// <summary>One datagram and who sent it. The bytes belong to the receiver.</summary>
internal readonly record struct Datagram(CoapPeer Peer, ReadOnlyMemory<byte> Bytes);

/// <summary>
/// A listener's datagrams, plain UDP or decrypted DTLS records: the CoAP endpoint reads and writes through it and never
/// sees the difference, apart from <see cref="CoapPeer.Identity"/>.
/// </summary>
internal interface IDatagramChannel : IAsyncDisposable
{
    /// <summary>The bound address (its port is the one chosen when 0 was asked for).</summary>
    IPEndPoint LocalEndPoint { get; }

    /// <summary>The next datagram from any peer; ends with <see cref="OperationCanceledException"/> when cancelled or disposed.</summary>
    ValueTask<Datagram> ReceiveAsync(CancellationToken cancellationToken);

    /// <summary>Sends one datagram to <paramref name="peer"/>; a peer without a session any more is dropped silently.</summary>
    ValueTask SendAsync(CoapPeer peer, ReadOnlyMemory<byte> datagram, CancellationToken cancellationToken);
}
