using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Org.BouncyCastle.Tls;
using Shoal.Coap.Dtls;
using Shoal.Coap.Transport;

namespace Shoal.Coap.Tests.Dtls;

public sealed class DtlsPskChannelTests : IAsyncDisposable
{
    internal const string Identity = "node-1";
    internal const string Key = "secret-psk-1";
    private static readonly TimeSpan Cap = TimeSpan.FromSeconds(60);

    private readonly FakeTimeProvider time = new();
    private readonly DtlsOptions options = new() { HandshakeTimeout = TimeSpan.FromSeconds(10), IdleTimeout = TimeSpan.FromMinutes(10) };
    private readonly DtlsPskChannel channel;

    public DtlsPskChannelTests() => channel = OpenChannel(options, time);

    internal static DtlsPskChannel OpenChannel(DtlsOptions options, TimeProvider time) =>
        new(new IPEndPoint(IPAddress.Loopback, 0), LookUpKey, options, time, NullLogger<DtlsPskChannel>.Instance);

    private static ValueTask<byte[]?> LookUpKey(string identity, CancellationToken cancellationToken) =>
        new(identity == Identity ? Encoding.UTF8.GetBytes(Key) : null);

    public ValueTask DisposeAsync() => channel.DisposeAsync();

    [Theory]
    [InlineData(CipherSuite.TLS_PSK_WITH_AES_128_CCM_8)]
    [InlineData(CipherSuite.TLS_PSK_WITH_AES_128_CBC_SHA256)]
    public async Task ReceiveAsync_ClientWithKnownKey_DeliversDatagramTaggedWithIdentity(int cipherSuite)
    {
        using var client = new PskDtlsClient(channel.LocalEndPoint);
        await client.ConnectAsync(Identity, Key, cipherSuite).WaitAsync(Cap);

        client.Send("hello");
        var datagram = await ReceiveAsync();

        Assert.Equal("hello", Encoding.UTF8.GetString(datagram.Bytes.Span));
        Assert.Equal(Identity, datagram.Peer.Identity);
        Assert.Equal(client.LocalEndPoint, datagram.Peer.EndPoint);
    }

    [Theory]
    [InlineData(CipherSuite.TLS_PSK_WITH_AES_128_CCM_8)]
    [InlineData(CipherSuite.TLS_PSK_WITH_AES_128_CBC_SHA256)]
    public async Task SendAsync_EstablishedPeer_ReachesClient(int cipherSuite)
    {
        using var client = await ConnectAsync(cipherSuite);
        client.Send("ping");
        var datagram = await ReceiveAsync();

        var reply = client.ReceiveAsync();
        await channel.SendAsync(datagram.Peer, "pong"u8.ToArray(), TestContext.Current.CancellationToken);

        Assert.Equal("pong", await reply.WaitAsync(Cap));
    }

    [Fact]
    public async Task Handshake_WrongKey_FailsAndDeliversNothing()
    {
        using var client = new PskDtlsClient(channel.LocalEndPoint);

        await Assert.ThrowsAnyAsync<IOException>(() => client.ConnectAsync(Identity, "not-the-key", CipherSuite.TLS_PSK_WITH_AES_128_CCM_8).WaitAsync(Cap));

        await AssertNothingHeldOrDeliveredAsync();
    }

    [Fact]
    public async Task Handshake_WrongKey_TheClientIsToldAndTheSlotFreedWithoutWaitingForTheTimeout()
    {
        await using var patient = OpenChannel(new DtlsOptions { HandshakeTimeout = TimeSpan.FromHours(1) }, time);
        using var client = new PskDtlsClient(patient.LocalEndPoint);

        var refused = await Assert.ThrowsAsync<TlsFatalAlertReceived>(
            () => client.ConnectAsync(Identity, "not-the-key", CipherSuite.TLS_PSK_WITH_AES_128_CCM_8, timeoutMillis: 3_600_000).WaitAsync(Cap));

        Assert.Equal(AlertDescription.decrypt_error, refused.AlertDescription);
        await WaitUntilAsync(() => patient.HandshakeCount == 0 && patient.SessionCount == 0);
    }

    [Fact]
    public async Task Handshake_UnknownIdentity_FailsAndDeliversNothing()
    {
        using var client = new PskDtlsClient(channel.LocalEndPoint);

        await Assert.ThrowsAnyAsync<IOException>(() => client.ConnectAsync("node-2", Key, CipherSuite.TLS_PSK_WITH_AES_128_CCM_8).WaitAsync(Cap));

        await AssertNothingHeldOrDeliveredAsync();
    }

    [Fact]
    public async Task Dispatch_FloodOfClientHellosWithoutCookie_CreatesNoSessions()
    {
        using (var flood = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp))
        {
            flood.Connect(channel.LocalEndPoint);
            var hello = new byte[120];
            for (var i = 0; i < 5_000; i++)
            {
                Random.Shared.NextBytes(hello);
                WriteClientHelloHeaders(hello);
                flood.Send(hello);
            }
        }

        // Datagrams are handled in order, so once a later client is through, the flood has been seen.
        using var client = await ConnectAsync(CipherSuite.TLS_PSK_WITH_AES_128_CCM_8);

        Assert.Equal(1, channel.SessionCount);
    }

    [Fact]
    public async Task Dispatch_MaxHandshakesInProgress_DropsFurtherClientHellos()
    {
        await using var limited = OpenChannel(new DtlsOptions { MaxHandshakes = 1, HandshakeTimeout = TimeSpan.FromSeconds(30) }, time);
        using var stalled = new PskDtlsClient(limited.LocalEndPoint);
        // The first ClientHello earns a cookie, the second starts the handshake, then the client goes quiet.
        var stalling = stalled.ConnectAsync(Identity, Key, CipherSuite.TLS_PSK_WITH_AES_128_CCM_8, sendsBeforeStalling: 2);
        await WaitUntilAsync(() => limited.HandshakeCount == 1);

        using var client = new PskDtlsClient(limited.LocalEndPoint);
        await Assert.ThrowsAnyAsync<IOException>(() => client.ConnectAsync(Identity, Key, CipherSuite.TLS_PSK_WITH_AES_128_CCM_8, timeoutMillis: 3_000).WaitAsync(Cap));

        Assert.Equal(1, limited.SessionCount);
        stalled.Dispose();
        await Assert.ThrowsAnyAsync<Exception>(() => stalling.WaitAsync(Cap));
    }

    [Fact]
    public async Task SendAsync_PeerWithoutSession_IsDroppedSilently()
    {
        var stranger = new CoapPeer(new IPEndPoint(IPAddress.Loopback, 9), Identity);

        await channel.SendAsync(stranger, "pong"u8.ToArray(), TestContext.Current.CancellationToken);

        Assert.Equal(0, channel.SessionCount);
    }

    [Fact]
    public async Task IdleSweep_NoDatagramForIdleTimeout_DropsSession()
    {
        using var client = await ConnectAsync(CipherSuite.TLS_PSK_WITH_AES_128_CCM_8);
        client.Send("hello");
        await ReceiveAsync();
        Assert.Equal(1, channel.SessionCount);

        time.Advance(options.IdleTimeout);
        time.Advance(TimeSpan.FromMinutes(1));

        await WaitUntilAsync(() => channel.SessionCount == 0);
    }

    [Fact]
    public async Task IdleSweep_PeerStillActive_KeepsSession()
    {
        using var client = await ConnectAsync(CipherSuite.TLS_PSK_WITH_AES_128_CCM_8);
        time.Advance(options.IdleTimeout - TimeSpan.FromMinutes(1));
        client.Send("still here");
        await ReceiveAsync();

        time.Advance(TimeSpan.FromMinutes(2));

        Assert.Equal(1, channel.SessionCount);
    }

    [Fact]
    public async Task Dispatch_NewHandshakeFromEstablishedAddress_ReplacesSession()
    {
        using var first = await ConnectAsync(CipherSuite.TLS_PSK_WITH_AES_128_CCM_8);
        var port = first.LocalEndPoint.Port;
        first.Dispose();

        using var restarted = new PskDtlsClient(channel.LocalEndPoint, port);
        await restarted.ConnectAsync(Identity, Key, CipherSuite.TLS_PSK_WITH_AES_128_CBC_SHA256).WaitAsync(Cap);
        restarted.Send("back");

        Assert.Equal("back", Encoding.UTF8.GetString((await ReceiveAsync()).Bytes.Span));
        Assert.Equal(1, channel.SessionCount);
    }

    [Fact]
    public async Task ReceiveAsync_AfterDispose_ThrowsOperationCanceled()
    {
        var pending = channel.ReceiveAsync(TestContext.Current.CancellationToken).AsTask();

        await channel.DisposeAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => pending.WaitAsync(Cap));
    }

    private async Task<PskDtlsClient> ConnectAsync(int cipherSuite)
    {
        var client = new PskDtlsClient(channel.LocalEndPoint);
        await client.ConnectAsync(Identity, Key, cipherSuite).WaitAsync(Cap);
        return client;
    }

    private async Task<Datagram> ReceiveAsync() =>
        await channel.ReceiveAsync(TestContext.Current.CancellationToken).AsTask().WaitAsync(Cap);

    private async Task AssertNothingHeldOrDeliveredAsync()
    {
        await WaitUntilAsync(() => channel.HandshakeCount == 0);
        Assert.Equal(0, channel.SessionCount);
        Assert.False(channel.ReceiveAsync(TestContext.Current.CancellationToken).AsTask().IsCompleted);
    }

    private static void WriteClientHelloHeaders(byte[] datagram)
    {
        datagram[0] = 22;
        datagram[1] = 0xFE;
        datagram[2] = 0xFD;
        datagram[3] = 0;
        datagram[4] = 0;
        var fragment = datagram.Length - 13;
        datagram[11] = (byte)(fragment >> 8);
        datagram[12] = (byte)fragment;
        datagram[13] = 1;
    }

    internal static async Task WaitUntilAsync(Func<bool> condition)
    {
        using var timeout = new CancellationTokenSource(Cap);
        while (!condition())
        {
            await Task.Delay(20, timeout.Token);
        }
    }
}
