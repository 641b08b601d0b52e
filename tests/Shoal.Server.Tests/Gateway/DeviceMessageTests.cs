using System.Text.Json;
using MQTTnet;
using MQTTnet.Protocol;
using Shoal.Server.Tests.Infrastructure;
using Shoal.Server.Tests.Northbound;
using Shoal.Server.Tests.Subscriptions;
using static Shoal.Server.Tests.Infrastructure.ApplicationApi;

namespace Shoal.Server.Tests.Gateway;

/// <summary>Messages a device sends, on <c>sys/messages/up</c> or a topic of its own naming: stored, readable, pushed.</summary>
public abstract class DeviceMessageTests<TDatabase>(PushApplication<TDatabase> shoal) : IClassFixture<PushApplication<TDatabase>>
    where TDatabase : ITestDatabase, new()
{
    [Fact]
    public async Task MessageUp_IsReadableThroughTheManagementApi()
    {
        var (app, device) = await shoal.NewDeviceAsync();
        using var client = await shoal.ConnectAsync(device);

        await PublishAsync(client, device.Topic("sys/messages/up"), """{"door":"open"}""");

        var message = (await MessagesAsync(app, device)).GetProperty("items")[0];
        Assert.Equal("open", message.GetProperty("message").GetProperty("door").GetString());
        Assert.Equal(JsonValueKind.Null, message.GetProperty("topic").ValueKind);
    }

    [Fact]
    public async Task MessageUp_NotJson_IsReadableInBase64()
    {
        var (app, device) = await shoal.NewDeviceAsync();
        using var client = await shoal.ConnectAsync(device);

        await PublishAsync(client, device.Topic("sys/messages/up"), [0x01, 0xFF, 0x00]);

        var message = (await MessagesAsync(app, device)).GetProperty("items")[0];
        Assert.Equal(Convert.ToBase64String([0x01, 0xFF, 0x00]), message.GetProperty("base64").GetString());
    }

    [Theory]
    [InlineData("user/door/state")]
    [InlineData("/aircondition/data/up")]
    public async Task Publish_OnATopicOfItsOwnNaming_IsStoredWithThatTopic(string topic)
    {
        var (app, device) = await shoal.NewDeviceAsync();
        using var client = await shoal.ConnectAsync(device);
        var fullTopic = topic.StartsWith('/') ? topic : device.Topic(topic);

        var result = await PublishAsync(client, fullTopic, """{"closed":true}""");

        Assert.Equal(MqttClientPublishReasonCode.Success, result.ReasonCode);
        Assert.Equal(fullTopic, (await MessagesAsync(app, device)).GetProperty("items")[0].GetProperty("topic").GetString());
    }

    [Fact]
    public async Task Messages_PageBackWithBefore()
    {
        var (app, device) = await shoal.NewDeviceAsync();
        using var client = await shoal.ConnectAsync(device);
        for (var i = 1; i <= 3; i++)
        {
            await PublishAsync(client, device.Topic("sys/messages/up"), $$"""{"n":{{i}}}""");
        }

        var first = await MessagesAsync(app, device, "?pageSize=2");
        var second = await MessagesAsync(app, device, $"?pageSize=2&before={first.GetProperty("before").GetInt64()}");

        Assert.Equal([3, 2], first.GetProperty("items").EnumerateArray().Select(m => m.GetProperty("message").GetProperty("n").GetInt32()));
        Assert.Equal([1], second.GetProperty("items").EnumerateArray().Select(m => m.GetProperty("message").GetProperty("n").GetInt32()));
        Assert.Equal(JsonValueKind.Null, second.GetProperty("before").ValueKind);
    }

    [Fact]
    public async Task MessageUp_SubscribedNa_ReceivesItAsDeviceMessageUp()
    {
        await using var receiver = await PushReceiver.StartAsync();
        var (app, device) = await shoal.NewDeviceAsync();
        await app.Na.SubscribeAsync("deviceMessageUp", receiver.Url());
        using var client = await shoal.ConnectAsync(device);

        await PublishAsync(client, device.Topic("user/door"), """{"door":"open"}""");

        var push = JsonDocument.Parse((await receiver.NextAsync()).Body).RootElement;
        Assert.Equal(("deviceMessageUp", device.Id), (push.GetProperty("notifyType").GetString(), push.GetProperty("deviceId").GetString()));
        Assert.Equal(device.Topic("user/door"), push.GetProperty("topic").GetString());
        Assert.Equal("open", push.GetProperty("message").GetProperty("door").GetString());
    }

    [Fact]
    public async Task Messages_AnotherUsersDevice_Answers404()
    {
        var (_, device) = await shoal.NewDeviceAsync();
        var (intruder, _) = await shoal.NewDeviceAsync();

        var response = await intruder.Owner.Client.GetAsync($"{Route}/{intruder.Id}/devices/{device.Id}/messages");

        await response.ProblemAsync(System.Net.HttpStatusCode.NotFound);
    }

    private static Task<MqttClientPublishResult> PublishAsync(IMqttClient client, string topic, string json) =>
        PublishAsync(client, topic, System.Text.Encoding.UTF8.GetBytes(json));

    private static Task<MqttClientPublishResult> PublishAsync(IMqttClient client, string topic, byte[] payload) =>
        client.PublishAsync(new MqttApplicationMessageBuilder().WithTopic(topic).WithPayload(payload)
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build());

    private static async Task<JsonElement> MessagesAsync(NaApplication app, TestDevice device, string query = "") =>
        await (await app.Owner.Client.GetAsync($"{Route}/{app.Id}/devices/{device.Id}/messages{query}")).JsonAsync();
}

public sealed class DeviceMessageTestsOnSqlite(PushApplication<SqliteDatabase> shoal) : DeviceMessageTests<SqliteDatabase>(shoal);

public sealed class DeviceMessageTestsOnPostgres(PushApplication<PostgresDatabase> shoal) : DeviceMessageTests<PostgresDatabase>(shoal);
