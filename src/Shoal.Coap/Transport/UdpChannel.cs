using System.Buffers;
using System.Net;
using System.Net.Sockets;

namespace Shoal.Coap.Transport;

/// <summary>Plain UDP: every datagram as it came.</summary>
internal sealed class UdpChannel : IDatagramChannel
{
    /// <summary>Datagrams longer than this are dropped: CoAP keeps messages within one IP packet.</summary>
    public const int MaxDatagramSize = 1500;

    private readonly Socket _socket;
    private readonly byte[] _buffer = ArrayPool<byte>.Shared.Rent(MaxDatagramSize + 1);
    private readonly EndPoint _anyRemote;
    private readonly Lock _bufferLock = new();
    private bool _receiving;
    private int _disposed;

    public UdpChannel(IPEndPoint bind)
    {
        _socket = new Socket(bind.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        if (bind.Address.Equals(IPAddress.IPv6Any))
        {
            _socket.DualMode = true;
        }

        _socket.Bind(bind);
        LocalEndPoint = (IPEndPoint)_socket.LocalEndPoint!;
        _anyRemote = new IPEndPoint(bind.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any, 0);
    }

    public IPEndPoint LocalEndPoint { get; }

    /// <summary>The next datagram; one reader at a time.</summary>
    public async ValueTask<Datagram> ReceiveAsync(CancellationToken cancellationToken)
    {
        lock (_bufferLock)
        {
            if (_disposed == 1)
            {
                throw new OperationCanceledException("The channel was closed.", cancellationToken);
            }

            _receiving = true;
        }

        try
        {
            return await ReceiveIntoBufferAsync(cancellationToken);
        }
        finally
        {
            lock (_bufferLock)
            {
                _receiving = false;
                if (_disposed == 1)
                {
                    ArrayPool<byte>.Shared.Return(_buffer);
                }
            }
        }
    }

    private async ValueTask<Datagram> ReceiveIntoBufferAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            SocketReceiveFromResult received;
            try
            {
                received = await _socket.ReceiveFromAsync(_buffer.AsMemory(0, MaxDatagramSize + 1), SocketFlags.None, _anyRemote, cancellationToken);
            }
            catch (SocketException exception) when (exception.SocketErrorCode is SocketError.ConnectionReset or SocketError.MessageSize)
            {
                // An ICMP port-unreachable for an earlier send, or an oversized datagram: neither ends the channel.
                continue;
            }
            catch (SocketException exception) when (Volatile.Read(ref _disposed) == 1 || exception.SocketErrorCode == SocketError.OperationAborted)
            {
                throw new OperationCanceledException("The channel was closed.", exception, cancellationToken);
            }
            catch (ObjectDisposedException exception)
            {
                throw new OperationCanceledException("The channel was closed.", exception, cancellationToken);
            }

            if (received.ReceivedBytes > MaxDatagramSize)
            {
                continue;
            }

            var bytes = _buffer.AsSpan(0, received.ReceivedBytes).ToArray();
            return new Datagram(new CoapPeer((IPEndPoint)received.RemoteEndPoint), bytes);
        }
    }

    public async ValueTask SendAsync(CoapPeer peer, ReadOnlyMemory<byte> datagram, CancellationToken cancellationToken)
    {
        try
        {
            await _socket.SendToAsync(datagram, SocketFlags.None, peer.EndPoint, cancellationToken);
        }
        catch (SocketException)
        {
            // UDP is fire and forget: an unreachable network is the same as a lost datagram.
        }
        catch (ObjectDisposedException)
        {
        }
    }

    public ValueTask DisposeAsync()
    {
        lock (_bufferLock)
        {
            if (_disposed == 1)
            {
                return ValueTask.CompletedTask;
            }

            _disposed = 1;
            if (!_receiving)
            {
                // A receive in progress gives the buffer back when the closed socket ends it.
                ArrayPool<byte>.Shared.Return(_buffer);
            }
        }

        _socket.Dispose();

        return ValueTask.CompletedTask;
    }
}
