using System.Net.Sockets;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using MQTTnet;
using MQTTnet.Formatter;
using Shoal.Gateway;
using Shoal.Server.Tests.Infrastructure;
using Shoal.Storage.Entities;

namespace Shoal.Server.Tests.Gateway;

/// <summary>Limits and bad input on the device access address: refused clearly, never crashing or stalling the broker.</summary>
public abstract class GatewayLimitsTests<TDatabase>(GatewayApplication<TDatabase> shoal) : IClassFixture<GatewayApplication<TDatabase>>
    where TDatabase : ITestDatabase, new()
{
    /// <summary>How long a test waits for the broker to close a socket before it fails rather than hangs.</summary>
    private static readonly TimeSpan CloseWait = TimeSpan.FromSeconds(30);

    private GatewayOptions Limits => shoal.Services.GetRequiredService<IOptions<GatewayOptions>>().Value;

    [Fact]
    public async Task Connect_ClientIdLongerThanTheLimit_IsRefusedAsClientIdentifierNotValid()
    {
        var (_, device) = await shoal.NewDeviceAsync();
        var clientId = new string('x', Limits.MaxClientIdLength) + device.ClientId(1, TestDevice.Timestamp(shoal.Time.GetUtcNow()));

        var (_, result) = await shoal.TryConnectAsync(device, clientId: clientId);

        Assert.Equal(MqttClientConnectResultCode.ClientIdentifierNotValid, result.ResultCode);
    }

    [Fact]
    public async Task Publish_TopicLongerThanTheLimit_IsRefusedAsTopicNameInvalid()
    {
        var (_, device) = await shoal.NewDeviceAsync();
        using var client = await shoal.ConnectAsync(device);

        var result = await client.PublishStringAsync(LongTopic(device), "{}", MQTTnet.Protocol.MqttQualityOfServiceLevel.AtLeastOnce);

        Assert.Equal(MqttClientPublishReasonCode.TopicNameInvalid, result.ReasonCode);
    }

    [Fact]
    public async Task Publish_TopicLongerThanTheLimitOnMqtt311_ClosesTheConnection()
    {
        var (_, device) = await shoal.NewDeviceAsync();
        using var client = await shoal.ConnectAsync(device, MqttProtocolVersion.V311);
        var closed = new TaskCompletionSource();
        client.DisconnectedAsync += _ =>
        {
            closed.TrySetResult();
            return Task.CompletedTask;
        };

        await Assert.ThrowsAnyAsync<Exception>(() => client.PublishStringAsync(LongTopic(device), "{}", MQTTnet.Protocol.MqttQualityOfServiceLevel.AtLeastOnce));

        await closed.Task.WaitAsync(CloseWait);
    }

    [Fact]
    public async Task Publish_BadReportOnMqtt311_StoresWhyTheDeviceWasDisconnected()
    {
        var (app, device) = await shoal.NewDeviceAsync();
        using var client = await shoal.ConnectAsync(device, MqttProtocolVersion.V311);

        await Assert.ThrowsAnyAsync<Exception>(() => client.PublishStringAsync(
            device.Topic("sys/properties/report"), "not json", MQTTnet.Protocol.MqttQualityOfServiceLevel.AtLeastOnce));
        await shoal.EventuallyAsync(db => db.Devices.AnyAsync(d => d.Id == device.Id && d.Status == DeviceStatus.Offline));

        var stored = await (await app.Owner.Client.GetAsync($"/api/v1/applications/{app.Id}/devices/{device.Id}")).JsonAsync();
        Assert.StartsWith($"A message on {device.Topic("sys/properties/report")} was refused: The report is not",
            stored.GetProperty("lastDisconnectReason").GetString(), StringComparison.Ordinal);
        Assert.Equal(shoal.Time.GetUtcNow(), stored.GetProperty("lastDisconnectedAt").GetDateTimeOffset(), TimeSpan.FromMilliseconds(1));
    }

    [Fact]
    public async Task Subscribe_TopicFilterLongerThanTheLimit_IsRefusedAsTopicFilterInvalid()
    {
        var (_, device) = await shoal.NewDeviceAsync();
        using var client = await shoal.ConnectAsync(device);

        var result = await client.SubscribeAsync(LongTopic(device));

        Assert.Equal(MqttClientSubscribeResultCode.TopicFilterInvalid, result.Items.Single().ResultCode);
    }

    [Fact]
    public async Task GarbageBytes_TheBrokerClosesThatConnection()
    {
        using var socket = await RawConnectAsync();

        // 0xFF: a packet type no client may send first, then a remaining length longer than MQTT allows.
        await socket.SendAsync(Enumerable.Repeat((byte)0xFF, 64).ToArray());

        Assert.Equal(0, await RawMqtt.ReadUntilClosedAsync(socket));
    }

    [Fact]
    public async Task GarbageConnectionLeftOpen_AnotherDeviceKeepsPublishing()
    {
        var (_, device) = await shoal.NewDeviceAsync();
        using var client = await shoal.ConnectAsync(device);
        using var garbage = await RawConnectAsync();
        // An HTTP probe reads as the start of an MQTT packet whose body never comes: the broker waits on that socket.
        await garbage.SendAsync("GET / HTTP/1.1\r\nHost: shoal\r\n\r\n"u8.ToArray());

        var result = await client.ReportAsync(device, """{"services":[{"service_id":"Temperature","properties":{"value":21.5}}]}""");

        Assert.Equal(MqttClientPublishReasonCode.Success, result.ReasonCode);
    }

    [Fact]
    public async Task MissedKeepAlive_SetsTheDeviceOffline()
    {
        var (_, device) = await shoal.NewDeviceAsync();
        using var socket = await RawConnectAsync();
        var timestamp = TestDevice.Timestamp(shoal.Time.GetUtcNow());
        await socket.SendAsync(RawMqtt.Connect(device.ClientId(1, timestamp), device.Id, TestDevice.Password(timestamp, device.Secret), keepAliveSeconds: 1));
        var connack = new byte[4];
        await socket.ReceiveAsync(connack);
        Assert.Equal([0x20, 0x02, 0x00, 0x00], connack);

        // The device now says nothing: no PINGREQ, no packet at all.
        await RawMqtt.ReadUntilClosedAsync(socket);

        await shoal.EventuallyAsync(db => db.Devices.AnyAsync(d => d.Id == device.Id && d.Status == DeviceStatus.Offline));
    }

    private string LongTopic(TestDevice device) => device.Topic(new string('x', Limits.MaxTopicLength));

    private async Task<Socket> RawConnectAsync()
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync("127.0.0.1", shoal.MqttPort);
        return socket;
    }
}

public sealed class GatewayLimitsTestsOnSqlite(GatewayApplication<SqliteDatabase> shoal) : GatewayLimitsTests<SqliteDatabase>(shoal);

public sealed class GatewayLimitsTestsOnPostgres(GatewayApplication<PostgresDatabase> shoal) : GatewayLimitsTests<PostgresDatabase>(shoal);
