using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Org.BouncyCastle.Security;
using Org.BouncyCastle.Tls;
using Org.BouncyCastle.Tls.Crypto.Impl.BC;
using Shoal.Coap.Transport;

namespace Shoal.Coap.Dtls;

/// <summary>Looks up the pre-shared key of a PSK identity; null refuses the handshake.</summary>
internal delegate ValueTask<byte[]?> PskLookup(string identity, CancellationToken cancellationToken);

internal sealed class DtlsOptions
{
    /// <summary>Sessions (handshaking or established) at once; beyond it new handshakes are not started. Default 100,000.</summary>
    public int MaxSessions { get; set; } = 100_000;
    /// <summary>Handshakes in progress at once; beyond it ClientHellos are dropped. Default 200.</summary>
    public int MaxHandshakes { get; set; } = 200;
    /// <summary>A handshake not finished within this is abandoned and its session dropped. Default 30 seconds.</summary>
    public TimeSpan HandshakeTimeout { get; set; } = TimeSpan.FromSeconds(30);
    /// <summary>An established session with no datagram for this long is dropped; the device handshakes again. Default 10 minutes.</summary>
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromMinutes(10);
}

/// <summary>
/// DTLS 1.2 with pre-shared keys (TLS_PSK_WITH_AES_128_CCM_8, TLS_PSK_WITH_AES_128_CBC_SHA256) on one UDP socket: one
/// session per peer address, each keyed by the identity's key from <see cref="PskLookup"/>; what peers send arrives
/// decrypted, tagged with the identity.
/// </summary>
/// <remarks>
/// Nothing is kept for an address until its ClientHello returns the stateless cookie of a HelloVerifyRequest, so a
/// flood of forged hellos costs one HMAC each. Each handshake runs on its own thread (BouncyCastle's handshake blocks);
/// an established session holds no thread and decrypts on the thread pool when datagrams are queued for it.
/// </remarks>
internal sealed partial class DtlsPskChannel : IDatagramChannel
{
    private const int PeerQueueCapacity = 32;
    private const int ReceivedCapacity = 4096;
    private const int RecordHeaderLength = 13;
    private const int HandshakeHeaderLength = 12;
    private const byte HandshakeContentType = 22;
    private const byte ClientHelloType = 1;

    private readonly Socket socket;
    private readonly PskLookup keys;
    private readonly DtlsOptions options;
    private readonly TimeProvider time;
    private readonly ILogger<DtlsPskChannel> logger;
    private readonly BcTlsCrypto crypto = new(new SecureRandom());
    private readonly DtlsServerProtocol protocol = new();
    private readonly DtlsVerifier cookies;
    private readonly HelloVerifySender helloVerifySender;
    private readonly ConcurrentDictionary<SocketAddress, DtlsPeerSession> sessionsByAddress = new();
    private readonly ConcurrentDictionary<IPEndPoint, DtlsPeerSession> sessionsByEndPoint = new();
    private readonly Channel<Datagram> received = Channel.CreateBounded<Datagram>(
        new BoundedChannelOptions(ReceivedCapacity) { FullMode = BoundedChannelFullMode.DropWrite });
    private readonly CancellationTokenSource stopping = new();
    private readonly ITimer idleSweep;
    private readonly Task receiving;
    private int sessionCount;
    private int handshakeCount;
    private int disposed;

    public DtlsPskChannel(IPEndPoint bind, PskLookup keys, DtlsOptions options, TimeProvider time, ILogger<DtlsPskChannel> logger)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.MaxSessions);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.MaxHandshakes);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(options.HandshakeTimeout, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(options.IdleTimeout, TimeSpan.Zero);
        this.keys = keys;
        this.options = options;
        this.time = time;
        this.logger = logger;
        socket = new Socket(bind.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            socket.Bind(bind);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        LocalEndPoint = (IPEndPoint)socket.LocalEndPoint!;
        cookies = new DtlsVerifier(crypto);
        helloVerifySender = new HelloVerifySender(socket);
        var sweepPeriod = TimeSpan.FromTicks(Math.Clamp(options.IdleTimeout.Ticks / 4, TimeSpan.TicksPerSecond, TimeSpan.TicksPerMinute));
        idleSweep = time.CreateTimer(_ => DropIdleSessions(), null, sweepPeriod, sweepPeriod);
        receiving = Task.Run(() => ReceiveLoopAsync(stopping.Token));
    }

    public IPEndPoint LocalEndPoint { get; }

    /// <summary>Sessions held, handshaking or established.</summary>
    public int SessionCount => Volatile.Read(ref sessionCount);

    /// <summary>Handshakes in progress.</summary>
    public int HandshakeCount => Volatile.Read(ref handshakeCount);

    public ValueTask<Datagram> ReceiveAsync(CancellationToken cancellationToken) =>
        received.Reader.TryRead(out var datagram) ? new(datagram) : WaitForDatagramAsync(cancellationToken);

    public ValueTask SendAsync(CoapPeer peer, ReadOnlyMemory<byte> datagram, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        // The identity check keeps a reply from reaching a different device that has since taken over the address.
        if (sessionsByEndPoint.TryGetValue(peer.EndPoint, out var session) && session.Peer?.Identity == peer.Identity)
        {
            session.TrySend(datagram.Span);
        }

        return ValueTask.CompletedTask;
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref disposed, 1) != 0)
        {
            return;
        }

        await stopping.CancelAsync();
        await idleSweep.DisposeAsync();
        await receiving;

        var handshakes = new List<Task>();
        foreach (var (_, session) in sessionsByAddress)
        {
            handshakes.Add(session.Handshake);
            Forget(session);
            session.Shutdown();
        }

        await Task.WhenAll(handshakes);
        socket.Dispose();
        received.Writer.TryComplete();
        while (received.Reader.TryRead(out _))
        {
        }

        stopping.Dispose();
    }

    /// <summary>Hands a decrypted datagram to <see cref="ReceiveAsync"/>; dropped when the reader is that far behind.</summary>
    internal void Deliver(CoapPeer peer, ReadOnlySpan<byte> plaintext) =>
        received.Writer.TryWrite(new Datagram(peer, plaintext.ToArray()));

    /// <summary>Called by a session that failed or was closed by its peer.</summary>
    internal void End(DtlsPeerSession session, Exception? failure)
    {
        if (Forget(session))
        {
            LogSessionEnded(logger, session.EndPoint, session.Peer?.Identity, failure is null ? "closed by the peer" : Describe(failure));
        }

        session.Shutdown();
    }

    private async ValueTask<Datagram> WaitForDatagramAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await received.Reader.ReadAsync(cancellationToken);
        }
        catch (ChannelClosedException e)
        {
            throw new OperationCanceledException("The DTLS channel is closed.", e);
        }
    }

    private async Task ReceiveLoopAsync(CancellationToken cancellationToken)
    {
        var buffer = new byte[ushort.MaxValue];
        var from = new SocketAddress(socket.AddressFamily);
        while (!cancellationToken.IsCancellationRequested)
        {
            int length;
            try
            {
                length = await socket.ReceiveFromAsync(buffer, SocketFlags.None, from, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (ObjectDisposedException)
            {
                return;
            }
            catch (SocketException)
            {
                // An ICMP error reported against an earlier send; the socket itself is fine.
                continue;
            }

            try
            {
                Dispatch(buffer, length, from);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                LogDispatchFailed(logger, e);
            }
        }
    }

    private void Dispatch(byte[] buffer, int length, SocketAddress from)
    {
        var datagram = buffer.AsSpan(0, length);
        if (sessionsByAddress.TryGetValue(from, out var session))
        {
            if (!session.IsEstablished || !IsClientHello(datagram))
            {
                session.Enqueue(datagram, time.GetTimestamp());
                return;
            }

            // A fresh hello on an established session: the device restarted and lost its keys. The old session goes
            // only when the hello carries a valid cookie, i.e. the sender really receives at that address.
            if (HandshakeCount >= options.MaxHandshakes)
            {
                LogClientHelloDropped(logger, HandshakeCount, SessionCount);
                return;
            }

            var replacement = VerifyCookie(buffer, length, from);
            if (replacement is null)
            {
                return;
            }

            LogSessionReplaced(logger, session.EndPoint, session.Peer?.Identity);
            Forget(session);
            session.Shutdown();
            StartHandshake(from, replacement);
            return;
        }

        if (!IsClientHello(datagram))
        {
            return;
        }

        if (HandshakeCount >= options.MaxHandshakes || SessionCount >= options.MaxSessions)
        {
            LogClientHelloDropped(logger, HandshakeCount, SessionCount);
            return;
        }

        var request = VerifyCookie(buffer, length, from);
        if (request is not null)
        {
            StartHandshake(from, request);
        }
    }

    private static bool IsClientHello(ReadOnlySpan<byte> datagram) =>
        datagram.Length >= RecordHeaderLength + HandshakeHeaderLength
        && datagram[0] == HandshakeContentType
        && datagram[3] == 0 && datagram[4] == 0
        && datagram[RecordHeaderLength] == ClientHelloType;

    /// <summary>The verified hello, or null after answering with a HelloVerifyRequest (or ignoring garbage).</summary>
    private DtlsRequest? VerifyCookie(byte[] buffer, int length, SocketAddress from)
    {
        var clientId = from.Buffer.Span[..from.Size].ToArray();
        helloVerifySender.Target = from;
        return cookies.VerifyRequest(clientId, buffer, 0, length, helloVerifySender);
    }

    private void StartHandshake(SocketAddress from, DtlsRequest request)
    {
        var address = new SocketAddress(from.Family, from.Size);
        from.Buffer.Span[..from.Size].CopyTo(address.Buffer.Span);
        var endPoint = (IPEndPoint)LocalEndPoint.Create(address);
        var session = new DtlsPeerSession(this, socket, address, endPoint, PeerQueueCapacity);
        if (!sessionsByAddress.TryAdd(address, session))
        {
            return;
        }

        Interlocked.Increment(ref sessionCount);
        Interlocked.Increment(ref handshakeCount);
        // BouncyCastle's handshake blocks while it waits for the peer, so it gets a thread of its own rather than
        // one from the pool; MaxHandshakes bounds how many.
        session.Handshake = Task.Factory.StartNew(
            () => RunHandshake(session, request), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
    }

    private void RunHandshake(DtlsPeerSession session, DtlsRequest request)
    {
        var identities = new PskIdentityResolver(keys, stopping.Token);
        var server = new PskServer(crypto, identities, (int)Math.Min(int.MaxValue, options.HandshakeTimeout.TotalMilliseconds));
        try
        {
            var dtls = protocol.Accept(server, session, request);
            var peer = new CoapPeer(session.EndPoint, identities.Identity);
            if (!session.Establish(dtls, peer, time.GetTimestamp()))
            {
                dtls.Close();
                return;
            }

            sessionsByEndPoint[session.EndPoint] = session;
            // Forget removes the address entry first, so a session forgotten meanwhile is caught here.
            if (!sessionsByAddress.TryGetValue(session.Address, out var current) || current != session)
            {
                sessionsByEndPoint.TryRemove(new(session.EndPoint, session));
                return;
            }

            LogSessionEstablished(logger, session.EndPoint, identities.Identity);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            if (identities.LookupFailure is { } lookupFailure)
            {
                LogKeyLookupFailed(logger, identities.Identity, lookupFailure);
            }

            LogHandshakeFailed(logger, session.EndPoint, identities.Identity, Describe(e));
            Forget(session);
            session.Shutdown();
        }
        finally
        {
            Interlocked.Decrement(ref handshakeCount);
        }
    }

    private static string Describe(Exception failure) => failure switch
    {
        TlsFatalAlertReceived received => "the peer sent " + AlertDescription.GetText(received.AlertDescription),
        TlsFatalAlert alert => alert.Message,
        TlsTimeoutException => "timed out",
        _ => failure.Message,
    };

    private void DropIdleSessions()
    {
        foreach (var (_, session) in sessionsByAddress)
        {
            if (session.IsEstablished && time.GetElapsedTime(session.LastActivity) >= options.IdleTimeout && Forget(session))
            {
                LogSessionIdle(logger, session.EndPoint, session.Peer?.Identity);
                session.Shutdown();
            }
        }
    }

    /// <summary>Removes the session from both tables; true when this call removed it.</summary>
    private bool Forget(DtlsPeerSession session)
    {
        var removed = sessionsByAddress.TryRemove(new(session.Address, session));
        sessionsByEndPoint.TryRemove(new(session.EndPoint, session));
        if (removed)
        {
            Interlocked.Decrement(ref sessionCount);
        }

        return removed;
    }

    [LoggerMessage(1, LogLevel.Information, "DTLS handshake with {EndPoint} (identity {Identity}) failed: {Reason}")]
    private static partial void LogHandshakeFailed(ILogger logger, IPEndPoint endPoint, string? identity, string reason);

    [LoggerMessage(2, LogLevel.Warning, "Looking up the key of PSK identity {Identity} failed")]
    private static partial void LogKeyLookupFailed(ILogger logger, string? identity, Exception exception);

    [LoggerMessage(3, LogLevel.Debug, "DTLS session with {EndPoint} established for {Identity}")]
    private static partial void LogSessionEstablished(ILogger logger, IPEndPoint endPoint, string? identity);

    [LoggerMessage(4, LogLevel.Information, "DTLS session with {EndPoint} ({Identity}) replaced by a new handshake")]
    private static partial void LogSessionReplaced(ILogger logger, IPEndPoint endPoint, string? identity);

    [LoggerMessage(5, LogLevel.Debug, "DTLS session with {EndPoint} ({Identity}) dropped after being idle")]
    private static partial void LogSessionIdle(ILogger logger, IPEndPoint endPoint, string? identity);

    [LoggerMessage(6, LogLevel.Debug, "DTLS session with {EndPoint} ({Identity}) ended: {Reason}")]
    private static partial void LogSessionEnded(ILogger logger, IPEndPoint endPoint, string? identity, string reason);

    [LoggerMessage(7, LogLevel.Debug, "ClientHello dropped: {Handshakes} handshakes and {Sessions} sessions held")]
    private static partial void LogClientHelloDropped(ILogger logger, int handshakes, int sessions);

    [LoggerMessage(8, LogLevel.Error, "A datagram could not be dispatched")]
    private static partial void LogDispatchFailed(ILogger logger, Exception exception);

    /// <summary>Sends HelloVerifyRequests from the receive loop to whichever address it is answering.</summary>
    private sealed class HelloVerifySender(Socket socket) : DatagramSender
    {
        public SocketAddress? Target { get; set; }

        public int GetSendLimit() => DtlsPeerSession.DatagramLimit;

        public void Send(byte[] buf, int off, int len) => Send(buf.AsSpan(off, len));

        public void Send(ReadOnlySpan<byte> buffer)
        {
            try
            {
                socket.SendTo(buffer, SocketFlags.None, Target!);
            }
            catch (SocketException)
            {
                // Stateless: the client repeats its hello.
            }
        }
    }
}
