using System.Buffers;
using System.Net;
using System.Net.Sockets;
using Org.BouncyCastle.Tls;
using Shoal.Coap.Transport;

namespace Shoal.Coap.Dtls;

/// <summary>
/// One peer address on the shared socket. To BouncyCastle it is the peer's <see cref="DatagramTransport"/>: records come
/// from a bounded queue the channel's receive loop fills and go straight out of the socket. Once the handshake is done
/// it decrypts queued records on the thread pool whenever some are waiting, so an idle session holds no thread.
/// </summary>
internal sealed class DtlsPeerSession(
    DtlsPskChannel owner, Socket socket, SocketAddress address, IPEndPoint endPoint, int queueCapacity)
    : DatagramTransport, IThreadPoolWorkItem
{
    /// <summary>Largest datagram either way: a CoAP message with a 1024-byte block and its DTLS record fit well inside.</summary>
    public const int DatagramLimit = 2048;

    /// <summary>
    /// Encrypted handshake records (the client's Finished, sent again with each retransmission of its last flight) that
    /// may fail to complete the handshake before it is refused as keyed wrongly. DTLS drops a record it cannot decrypt
    /// without a word, so otherwise a wrong key would hold a handshake slot until the handshake timeout.
    /// </summary>
    private const int UndecryptedFinishedLimit = 3;

    private const byte HandshakeContentType = 22;
    private const int RecordHeaderLength = 13;

    private readonly (byte[] Buffer, int Length)[] queue = new (byte[], int)[queueCapacity];
    private readonly object gate = new();
    private int head;
    private int count;
    private bool closed;
    private bool established;
    private int draining;
    private long lastActivity;
    private int encryptedHandshakeRecords;

    /// <summary>The key of this session in the channel's table (a copy, never the receive loop's own buffer).</summary>
    public SocketAddress Address { get; } = address;

    public IPEndPoint EndPoint { get; } = endPoint;

    /// <summary>Who the peer is, once its handshake has succeeded.</summary>
    public CoapPeer? Peer { get; private set; }

    public DtlsTransport? Dtls { get; private set; }

    public Task Handshake { get; set; } = Task.CompletedTask;

    public bool IsEstablished => Volatile.Read(ref established);

    /// <summary><see cref="TimeProvider.GetTimestamp"/> of the last datagram from the peer.</summary>
    public long LastActivity => Volatile.Read(ref lastActivity);

    /// <summary>Queues a datagram from the peer; drops it when the queue is full or the session is over.</summary>
    public void Enqueue(ReadOnlySpan<byte> datagram, long timestamp)
    {
        Volatile.Write(ref lastActivity, timestamp);
        if (datagram.Length > DatagramLimit)
        {
            return;
        }

        bool startDraining;
        lock (gate)
        {
            if (closed || count == queue.Length)
            {
                return;
            }

            var buffer = ArrayPool<byte>.Shared.Rent(datagram.Length);
            datagram.CopyTo(buffer);
            queue[(head + count) % queue.Length] = (buffer, datagram.Length);
            count++;
            Monitor.Pulse(gate);
            startDraining = established && draining == 0;
            if (startDraining)
            {
                draining = 1;
            }
        }

        if (startDraining)
        {
            ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
        }
    }

    /// <summary>Switches from handshaking to decrypting; false when the session was closed meanwhile.</summary>
    public bool Establish(DtlsTransport dtls, CoapPeer peer, long timestamp)
    {
        Dtls = dtls;
        Peer = peer;
        Volatile.Write(ref lastActivity, timestamp);
        bool startDraining;
        lock (gate)
        {
            if (closed)
            {
                return false;
            }

            established = true;
            startDraining = count > 0;
            draining = startDraining ? 1 : 0;
        }

        if (startDraining)
        {
            ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
        }

        return true;
    }

    /// <summary>Encrypts and sends one datagram; false when the session cannot carry it.</summary>
    public bool TrySend(ReadOnlySpan<byte> datagram)
    {
        var dtls = Dtls;
        if (dtls is null || !IsEstablished || datagram.Length > dtls.GetSendLimit())
        {
            return false;
        }

        try
        {
            dtls.Send(datagram);
            return true;
        }
        catch (IOException e)
        {
            owner.End(this, e);
            return false;
        }
    }

    /// <summary>Ends the session: says close_notify when established, and wakes a waiting handshake so it fails.</summary>
    public void Shutdown()
    {
        var dtls = Dtls;
        if (dtls is not null)
        {
            try
            {
                dtls.Close();
            }
            catch (IOException)
            {
                // The peer is being forgotten either way.
            }
        }

        CloseTransport();
    }

    void IThreadPoolWorkItem.Execute()
    {
        var plaintext = ArrayPool<byte>.Shared.Rent(DatagramLimit);
        try
        {
            while (true)
            {
                while (HasQueued())
                {
                    if (!DecryptNext(plaintext))
                    {
                        return;
                    }
                }

                lock (gate)
                {
                    if (count == 0 || closed)
                    {
                        draining = 0;
                        return;
                    }
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(plaintext);
        }
    }

    private bool DecryptNext(byte[] plaintext)
    {
        var dtls = Dtls!;
        try
        {
            // A record is queued, so this returns at once unless it carried no application data (an alert, a
            // retransmitted Finished); then it waits a millisecond for more before giving up.
            var length = dtls.Receive(plaintext, 0, plaintext.Length, 1);
            while (length >= 0)
            {
                owner.Deliver(Peer!, plaintext.AsSpan(0, length));
                length = dtls.ReceivePending(plaintext, 0, plaintext.Length);
            }
        }
        catch (IOException e)
        {
            owner.End(this, e);
            return false;
        }

        if (IsClosed())
        {
            owner.End(this, null);
            return false;
        }

        return true;
    }

    private bool HasQueued()
    {
        lock (gate)
        {
            return count > 0 && !closed;
        }
    }

    private bool IsClosed()
    {
        lock (gate)
        {
            return closed;
        }
    }

    // BouncyCastle sizes a fresh record buffer by this on every receive; once established, asking for no more than the
    // next queued datagram keeps that buffer as small as the datagram.
    public int GetReceiveLimit()
    {
        lock (gate)
        {
            return established && count > 0 ? queue[head].Length : DatagramLimit;
        }
    }

    public int GetSendLimit() => DatagramLimit;

    public int Receive(byte[] buf, int off, int len, int waitMillis) => Receive(buf.AsSpan(off, len), waitMillis);

    public int Receive(Span<byte> buffer, int waitMillis)
    {
        byte[] datagram;
        int length;
        lock (gate)
        {
            // The handshake asks for more only once it has taken in everything handed over before.
            if (!established && encryptedHandshakeRecords >= UndecryptedFinishedLimit)
            {
                throw new TlsFatalAlert(AlertDescription.decrypt_error, "the client's Finished could not be decrypted: its key does not match");
            }

            if (count == 0 && !closed)
            {
                WaitForDatagram(waitMillis);
            }

            if (closed)
            {
                throw new IOException("The DTLS session is closed.");
            }

            if (count == 0)
            {
                return -1;
            }

            (datagram, length) = queue[head];
            queue[head] = default;
            head = (head + 1) % queue.Length;
            count--;
            if (!established)
            {
                encryptedHandshakeRecords += CountEncryptedHandshakeRecords(datagram.AsSpan(0, length));
            }
        }

        // BouncyCastle discards a datagram reported longer than its buffer.
        if (length <= buffer.Length)
        {
            datagram.AsSpan(0, length).CopyTo(buffer);
        }

        ArrayPool<byte>.Shared.Return(datagram);
        return length;
    }

    /// <summary>Handshake records past epoch 0 in a datagram: after the ChangeCipherSpec, that is the Finished.</summary>
    private static int CountEncryptedHandshakeRecords(ReadOnlySpan<byte> datagram)
    {
        var found = 0;
        while (datagram.Length >= RecordHeaderLength)
        {
            var epoch = (datagram[3] << 8) | datagram[4];
            if (datagram[0] == HandshakeContentType && epoch != 0)
            {
                found++;
            }

            datagram = datagram[Math.Min(datagram.Length, RecordHeaderLength + ((datagram[11] << 8) | datagram[12]))..];
        }

        return found;
    }

    private void WaitForDatagram(int waitMillis)
    {
        // Zero means no limit to BouncyCastle; closing the session still wakes the wait.
        if (waitMillis == 0)
        {
            while (count == 0 && !closed)
            {
                Monitor.Wait(gate);
            }

            return;
        }

        var deadline = Environment.TickCount64 + waitMillis;
        while (count == 0 && !closed)
        {
            var remaining = deadline - Environment.TickCount64;
            if (remaining <= 0)
            {
                return;
            }

            Monitor.Wait(gate, (int)remaining);
        }
    }

    public void Send(byte[] buf, int off, int len) => Send(buf.AsSpan(off, len));

    public void Send(ReadOnlySpan<byte> buffer)
    {
        try
        {
            socket.SendTo(buffer, SocketFlags.None, Address);
        }
        catch (SocketException)
        {
            // Lost like any datagram: DTLS retransmits handshake flights, CoAP retransmits messages.
        }
        catch (ObjectDisposedException)
        {
            // The channel is closing.
        }
    }

    void TlsCloseable.Close() => CloseTransport();

    private void CloseTransport()
    {
        lock (gate)
        {
            if (closed)
            {
                return;
            }

            closed = true;
            for (; count > 0; count--)
            {
                ArrayPool<byte>.Shared.Return(queue[head].Buffer);
                queue[head] = default;
                head = (head + 1) % queue.Length;
            }

            Monitor.PulseAll(gate);
        }
    }
}
