using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using MQTTnet;
using MQTTnet.Protocol;
using Shoal.Gateway.Edge;
using Shoal.Server.Tests.Infrastructure;

namespace Shoal.Server.Tests.Gateway;

/// <summary>Shoal whose device edge has small limits: three connections per address, four waiting for their CONNECT.</summary>
public sealed class EdgeApplication<TDatabase> : GatewayApplication<TDatabase>
    where TDatabase : ITestDatabase, new()
{
    public const int PerAddress = 3;
    public const int Pending = 4;
    public static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(10);

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseSetting("Gateway:MaxConnectionsPerAddress", PerAddress.ToString(System.Globalization.CultureInfo.InvariantCulture));
        builder.UseSetting("Gateway:MaxPendingConnections", Pending.ToString(System.Globalization.CultureInfo.InvariantCulture));
        builder.UseSetting("Gateway:ConnectTimeout", ConnectTimeout.ToString());
    }

    /// <summary>Connections that have not yet sent a whole CONNECT.</summary>
    public int PendingConnections => Services.GetRequiredService<DeviceListener>().Pending;
}

/// <summary>
/// What a connection can cost before it is a device is bounded: no packet may announce more than it may have, the
/// CONNECT has a deadline, and connections per address and waiting for CONNECT are limited. Topics and CONNECT flags
/// that MQTT forbids close the connection, and nothing a device publishes is retained.
/// </summary>
public abstract class DeviceEdgeTests<TDatabase>(EdgeApplication<TDatabase> shoal) : IClassFixture<EdgeApplication<TDatabase>>
    where TDatabase : ITestDatabase, new()
{
    private static readonly TimeSpan CloseWait = TimeSpan.FromSeconds(30);
    private const string Report = """{"services":[{"service_id":"T","properties":{"v":1}}]}""";

    [Fact]
    public async Task HostileConnections_HugeAnnouncedLengthsAndGarbage_AllocateLittleWhileADeviceKeepsPublishing()
    {
        var (_, device) = await shoal.NewDeviceAsync();
        using var client = await shoal.ConnectAsync(device);
        await WaitUntilNoneWaitAsync();
        var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);

        // 40 connections each announcing a 256 MB CONNECT (10 GB in all), then garbage and empty ones.
        var hostile = new List<byte[]>();
        hostile.AddRange(Enumerable.Repeat<byte[]>([0x10, 0xFF, 0xFF, 0xFF, 0x7F, .. new byte[1024]], 40));
        hostile.AddRange(Enumerable.Range(0, 10).Select(seed => { var bytes = new byte[512]; new Random(seed).NextBytes(bytes); return bytes; }));
        hostile.Add([0x10, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F]);
        hostile.Add([]);
        var acknowledged = 0;
        foreach (var bytes in hostile)
        {
            using var socket = await ConnectFromAsync(IPAddress.Parse("127.0.0.30"));
            await socket.SendAsync(bytes);
            socket.Shutdown(SocketShutdown.Send);
            await RawMqtt.ReadUntilClosedAsync(socket);
            if ((await client.ReportAsync(device, Report)).ReasonCode == MqttClientPublishReasonCode.Success)
            {
                acknowledged++;
            }
        }

        Assert.Equal(hostile.Count, acknowledged);
        Assert.InRange(GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore, 0, 1L << 30);
    }

    [Fact]
    public async Task Connection_NoConnectWithinTheDeadline_IsClosed()
    {
        await WaitUntilNoneWaitAsync();
        using var socket = await ConnectFromAsync(IPAddress.Parse("127.0.0.40"));
        await socket.SendAsync(new byte[] { 0x10, 0x20, 0x00 });
        await WaitUntilAsync(() => shoal.PendingConnections == 1);

        shoal.Time.Advance(EdgeApplication<TDatabase>.ConnectTimeout + TimeSpan.FromSeconds(1));

        await RawMqtt.ReadUntilClosedAsync(socket);
        await WaitUntilNoneWaitAsync();
    }

    [Fact]
    public async Task Connection_BeyondThePerAddressLimit_IsClosedAtOnce()
    {
        var address = IPAddress.Parse("127.0.0.50");
        var held = new List<Socket>();
        for (var i = 0; i < EdgeApplication<TDatabase>.PerAddress; i++)
        {
            held.Add(await ConnectFromAsync(address));
        }
        await WaitUntilAsync(() => shoal.PendingConnections >= EdgeApplication<TDatabase>.PerAddress);

        using var refused = await ConnectFromAsync(address);

        Assert.Equal(0, await RawMqtt.ReadUntilClosedAsync(refused));
        held.ForEach(s => s.Dispose());
        await WaitUntilNoneWaitAsync();
    }

    [Fact]
    public async Task Connection_BeyondThePendingLimit_IsClosedAtOnce()
    {
        await WaitUntilNoneWaitAsync();
        var held = new List<Socket>();
        for (var i = 0; i < EdgeApplication<TDatabase>.Pending; i++)
        {
            held.Add(await ConnectFromAsync(IPAddress.Parse($"127.0.1.{i + 1}")));
        }
        await WaitUntilAsync(() => shoal.PendingConnections == EdgeApplication<TDatabase>.Pending);

        using var refused = await ConnectFromAsync(IPAddress.Parse("127.0.1.100"));

        Assert.Equal(0, await RawMqtt.ReadUntilClosedAsync(refused));
        held.ForEach(s => s.Dispose());
        await WaitUntilNoneWaitAsync();
    }

    [Theory]
    [InlineData("sys/properties/+")]
    [InlineData("user/#")]
    [InlineData("user/a\0b")]
    public async Task Publish_TopicNameMqttForbids_ClosesTheConnection(string rest)
    {
        var (_, device) = await shoal.NewDeviceAsync();
        using var socket = await ConnectDeviceAsync(device);

        await socket.SendAsync(RawMqtt.Packet(0x30, [.. RawMqtt.Text(device.Topic(rest)), .. "{}"u8.ToArray()]));

        await RawMqtt.ReadUntilClosedAsync(socket);
    }

    [Fact]
    public async Task Publish_TopicNotUtf8_ClosesTheConnection()
    {
        var (_, device) = await shoal.NewDeviceAsync();
        using var socket = await ConnectDeviceAsync(device);
        byte[] topic = [.. Encoding.UTF8.GetBytes(device.Topic("user/")), 0xC3, 0x28];

        await socket.SendAsync(RawMqtt.Packet(0x30, [(byte)(topic.Length >> 8), (byte)topic.Length, .. topic, .. "{}"u8.ToArray()]));

        await RawMqtt.ReadUntilClosedAsync(socket);
    }

    [Fact]
    public async Task Connect_PasswordWithoutUserNameOnMqtt311_IsRefused()
    {
        var (_, device) = await shoal.NewDeviceAsync();
        var timestamp = TestDevice.Timestamp(shoal.Time.GetUtcNow());
        using var socket = await ConnectFromAsync(IPAddress.Loopback);

        await socket.SendAsync(RawMqtt.Packet(0x10, [.. RawMqtt.Text("MQTT"), 4, 0b0100_0010, 0, 60, .. RawMqtt.Text(device.ClientId(1, timestamp)), .. RawMqtt.Text(TestDevice.Password(timestamp, device.Secret))]));

        var connack = new byte[4];
        await socket.ReceiveAsync(connack);
        Assert.Equal(0x20, connack[0]);
        Assert.NotEqual(0, connack[3]);
        await RawMqtt.ReadUntilClosedAsync(socket);
    }

    [Fact]
    public async Task Publish_Retained_IsNotKeptForLaterSubscribers()
    {
        var (app, device) = await shoal.NewDeviceAsync();
        var topic = device.Topic("user/state");
        using (var publisher = await shoal.ConnectAsync(device))
        {
            await publisher.PublishAsync(new MqttApplicationMessageBuilder()
                .WithTopic(topic).WithPayload("kept?").WithRetainFlag().WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build());
            await publisher.DisconnectAsync();
        }
        var first = new TaskCompletionSource<string>();
        using var subscriber = await shoal.ConnectAsync(device, beforeConnect: client => client.ApplicationMessageReceivedAsync += e =>
        {
            first.TrySetResult(e.ApplicationMessage.Topic);
            return Task.CompletedTask;
        });

        await subscriber.SubscribeAsync(topic, MqttQualityOfServiceLevel.AtLeastOnce);
        // A message down is published after the SUBACK, so a retained message would have come first.
        Assert.Equal(HttpStatusCode.Accepted, (await app.Owner.Client.PostAsJsonAsync(
            $"{Infrastructure.ApplicationApi.Route}/{app.Id}/devices/{device.Id}/messages", new { marker = true })).StatusCode);

        Assert.Equal(device.Topic("sys/messages/down"), await first.Task.WaitAsync(CloseWait));
    }

    private async Task<Socket> ConnectFromAsync(IPAddress source)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(source, 0));
        await socket.ConnectAsync(IPAddress.Loopback, shoal.MqttPort);
        return socket;
    }

    /// <summary>A device connected over a raw socket with MQTT 3.1.1, CONNACK read.</summary>
    private async Task<Socket> ConnectDeviceAsync(TestDevice device)
    {
        var socket = await ConnectFromAsync(IPAddress.Loopback);
        var timestamp = TestDevice.Timestamp(shoal.Time.GetUtcNow());
        await socket.SendAsync(RawMqtt.Connect(device.ClientId(1, timestamp), device.Id, TestDevice.Password(timestamp, device.Secret), keepAliveSeconds: 60));
        var connack = new byte[4];
        await socket.ReceiveAsync(connack);
        Assert.Equal([0x20, 0x02, 0x00, 0x00], connack);
        return socket;
    }

    private async Task WaitUntilNoneWaitAsync() => await WaitUntilAsync(() => shoal.PendingConnections == 0);

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        using var deadline = new CancellationTokenSource(CloseWait);
        while (!condition())
        {
            await Task.Delay(10, deadline.Token);
        }
    }
}

public sealed class DeviceEdgeTestsOnSqlite(EdgeApplication<SqliteDatabase> shoal) : DeviceEdgeTests<SqliteDatabase>(shoal);

public sealed class DeviceEdgeTestsOnPostgres(EdgeApplication<PostgresDatabase> shoal) : DeviceEdgeTests<PostgresDatabase>(shoal);
