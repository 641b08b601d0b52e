using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Shoal.Coap.Protocol;
using Shoal.Coap.Transport;

namespace Shoal.Coap.Tests.Transport;

public sealed class UdpChannelTests
{
    [Fact]
    public async Task ReceiveAsync_DatagramOnLoopback_ArrivesWithItsSender()
    {
        await using var channel = new UdpChannel(new IPEndPoint(IPAddress.Loopback, 0));
        using var sender = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        sender.Bind(new IPEndPoint(IPAddress.Loopback, 0));

        await sender.SendToAsync(new byte[] { 1, 2, 3 }, SocketFlags.None, channel.LocalEndPoint);
        using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var datagram = await channel.ReceiveAsync(patience.Token);

        Assert.Equal(new byte[] { 1, 2, 3 }, datagram.Bytes.ToArray());
        Assert.Equal(sender.LocalEndPoint, datagram.Peer.EndPoint);
        Assert.Null(datagram.Peer.Identity);
    }

    [Fact]
    public async Task ReceiveAsync_OversizedDatagram_IsDropped()
    {
        await using var channel = new UdpChannel(new IPEndPoint(IPAddress.Loopback, 0));
        using var sender = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);

        await sender.SendToAsync(new byte[UdpChannel.MaxDatagramSize + 100], SocketFlags.None, channel.LocalEndPoint);
        await sender.SendToAsync(new byte[] { 7 }, SocketFlags.None, channel.LocalEndPoint);
        using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var datagram = await channel.ReceiveAsync(patience.Token);

        Assert.Equal(new byte[] { 7 }, datagram.Bytes.ToArray());
    }

    [Fact]
    public async Task ReceiveAsync_Disposed_EndsWithCancellation()
    {
        var channel = new UdpChannel(new IPEndPoint(IPAddress.Loopback, 0));
        var receiving = channel.ReceiveAsync(CancellationToken.None).AsTask();

        await channel.DisposeAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => receiving.WaitAsync(TimeSpan.FromSeconds(30)));
    }

    [Fact]
    public async Task SendAsync_BetweenTwoEndpoints_GetsTheAnswer()
    {
        await using var serverChannel = new UdpChannel(new IPEndPoint(IPAddress.Loopback, 0));
        await using var clientChannel = new UdpChannel(new IPEndPoint(IPAddress.Loopback, 0));
        var handler = new DelegateHandler { OnRequest = (_, request) => Task.FromResult(DelegateHandler.Content(request, "world")) };
        var server = new CoapEndpoint(serverChannel, new CoapEndpointOptions(), handler, TimeProvider.System, NullLogger<CoapEndpoint>.Instance);
        var client = new CoapEndpoint(clientChannel, new CoapEndpointOptions(), new DelegateHandler(), TimeProvider.System, NullLogger<CoapEndpoint>.Instance);
        using var stopping = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var serving = server.RunAsync(stopping.Token);
        var listening = client.RunAsync(stopping.Token);

        var response = await client.SendAsync(new CoapPeer(serverChannel.LocalEndPoint), CoapMessage.Request(CoapCode.Get, "hello"), stopping.Token);

        Assert.Equal(CoapCode.Content, response.Code);
        Assert.Equal("world", Encoding.UTF8.GetString(response.Payload.Span));
        await stopping.CancelAsync();
        await Task.WhenAll(serving, listening);
    }

    [Fact]
    public async Task DualMode_Ipv4Sender_IsReceived()
    {
        await using var channel = new UdpChannel(new IPEndPoint(IPAddress.IPv6Any, 0));
        using var sender = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);

        await sender.SendToAsync(new byte[] { 4 }, SocketFlags.None, new IPEndPoint(IPAddress.Loopback, channel.LocalEndPoint.Port));
        using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var datagram = await channel.ReceiveAsync(patience.Token);

        Assert.Equal(new byte[] { 4 }, datagram.Bytes.ToArray());
    }
}
