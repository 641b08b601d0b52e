using System.Net;

namespace Shoal.Coap.Transport;

/// <summary>Plain UDP: every datagram as it came.</summary>
internal sealed class UdpChannel : IDatagramChannel
{
    public UdpChannel(IPEndPoint bind) => throw new NotImplementedException();

    public IPEndPoint LocalEndPoint => throw new NotImplementedException();

    public ValueTask<Datagram> ReceiveAsync(CancellationToken cancellationToken) => throw new NotImplementedException();

    public ValueTask SendAsync(CoapPeer peer, ReadOnlyMemory<byte> datagram, CancellationToken cancellationToken) => throw new NotImplementedException();

    public ValueTask DisposeAsync() => throw new NotImplementedException();
}
