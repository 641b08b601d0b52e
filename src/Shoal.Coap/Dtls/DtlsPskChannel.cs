using System.Net;
using Microsoft.Extensions.Logging;
using Shoal.Coap.Transport;

namespace Shoal.Coap.Dtls;

/// <summary>Looks up the pre-shared key of a PSK identity; null refuses the handshake.</summary>
internal delegate ValueTask<byte[]?> PskLookup(string identity, CancellationToken cancellationToken);

internal sealed class DtlsOptions
{
    /// <summary>Sessions (handshaking or established) at once; beyond it new handshakes are not started.</summary>
    public int MaxSessions { get; set; } = 100_000;
    /// <summary>Handshakes in progress at once; beyond it ClientHellos are dropped.</summary>
    public int MaxHandshakes { get; set; } = 200;
    public TimeSpan HandshakeTimeout { get; set; } = TimeSpan.FromSeconds(30);
    /// <summary>An established session with no datagram for this long is dropped; the device handshakes again.</summary>
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromMinutes(10);
}

/// <summary>
/// DTLS 1.2 with pre-shared keys (TLS_PSK_WITH_AES_128_CCM_8, TLS_PSK_WITH_AES_128_CBC_SHA256) on one UDP socket: one
/// session per peer address, each keyed by the identity's key from <see cref="PskLookup"/>; what peers send arrives
/// decrypted, tagged with the identity.
/// </summary>
internal sealed class DtlsPskChannel : IDatagramChannel
{
    public DtlsPskChannel(IPEndPoint bind, PskLookup keys, DtlsOptions options, TimeProvider time, ILogger<DtlsPskChannel> logger) =>
        throw new NotImplementedException();

    public IPEndPoint LocalEndPoint => throw new NotImplementedException();

    public ValueTask<Datagram> ReceiveAsync(CancellationToken cancellationToken) => throw new NotImplementedException();

    public ValueTask SendAsync(CoapPeer peer, ReadOnlyMemory<byte> datagram, CancellationToken cancellationToken) => throw new NotImplementedException();

    public ValueTask DisposeAsync() => throw new NotImplementedException();
}
