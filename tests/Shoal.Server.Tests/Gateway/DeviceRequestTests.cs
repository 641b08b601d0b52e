using System.Net;
using System.Net.Http.Json;
using MQTTnet.Formatter;
using Shoal.Gateway;
using Shoal.Server.Tests.Infrastructure;
using static Shoal.Server.Tests.Infrastructure.ApplicationApi;

namespace Shoal.Server.Tests.Gateway;

/// <summary>The owner sets and reads a connected device's properties and sends it messages, through the management API.</summary>
public abstract class DeviceRequestTests<TDatabase>(GatewayApplication<TDatabase> shoal) : IClassFixture<GatewayApplication<TDatabase>>
    where TDatabase : ITestDatabase, new()
{
    [Fact]
    public async Task SetProperties_DeviceAnswers_ReturnsItsAnswer()
    {
        var (app, device) = await shoal.NewDeviceAsync();
        using var inbox = await DeviceInbox.ConnectAsync(shoal, device);

        var call = app.Owner.Client.PutAsJsonAsync($"{Route}/{app.Id}/devices/{device.Id}/properties",
            new { services = new[] { new { serviceId = "Switch", properties = new { on = true } } } });
        var (topic, payload) = await inbox.NextAsync();
        await inbox.PublishAsync($"sys/properties/set/response/{RequestId(device, topic)}", """{"result_code":0,"result_desc":"success"}""");
        var answer = await (await call).JsonAsync();

        Assert.Equal($$$"""{"object_device_id":"{{{device.Id}}}","services":[{"service_id":"Switch","properties":{"on":true}}]}""", payload);
        Assert.Equal(0, answer.GetProperty("result_code").GetInt32());
    }

    [Fact]
    public async Task GetProperties_DeviceAnswers_ReturnsItsServices()
    {
        var (app, device) = await shoal.NewDeviceAsync();
        using var inbox = await DeviceInbox.ConnectAsync(shoal, device);

        var call = app.Owner.Client.GetAsync($"{Route}/{app.Id}/devices/{device.Id}/properties?serviceId=Temperature");
        var (topic, payload) = await inbox.NextAsync();
        await inbox.PublishAsync($"sys/properties/get/response/{RequestId(device, topic)}",
            """{"services":[{"service_id":"Temperature","properties":{"value":21.5}}]}""");
        var answer = await (await call).JsonAsync();

        Assert.Equal(device.Topic("sys/properties/get/"), topic[..device.Topic("sys/properties/get/").Length]);
        Assert.Equal($$$"""{"object_device_id":"{{{device.Id}}}","service_id":"Temperature"}""", payload);
        Assert.Equal(21.5, answer.GetProperty("services")[0].GetProperty("properties").GetProperty("value").GetDouble());
    }

    [Fact]
    public async Task GetProperties_DeviceSilent_Answers504AfterTheTimeout()
    {
        var (app, device) = await shoal.NewDeviceAsync();
        using var inbox = await DeviceInbox.ConnectAsync(shoal, device);

        var call = app.Owner.Client.GetAsync($"{Route}/{app.Id}/devices/{device.Id}/properties");
        await inbox.NextAsync();
        shoal.Time.Advance(new GatewayOptions().DeviceRequestTimeout);

        await (await call).ProblemAsync(HttpStatusCode.GatewayTimeout);
    }

    [Fact]
    public async Task SetProperties_DeviceOffline_Answers409()
    {
        var (app, device) = await shoal.NewDeviceAsync();

        var response = await app.Owner.Client.PutAsJsonAsync($"{Route}/{app.Id}/devices/{device.Id}/properties",
            new { services = new[] { new { serviceId = "Switch", properties = new { on = true } } } });

        await response.ProblemAsync(HttpStatusCode.Conflict);
    }

    [Fact]
    public async Task SetProperties_WithoutServices_Answers400()
    {
        var (app, device) = await shoal.NewDeviceAsync();

        var response = await app.Owner.Client.PutAsJsonAsync($"{Route}/{app.Id}/devices/{device.Id}/properties", new { services = Array.Empty<object>() });

        Assert.Contains("service", await response.FieldErrorAsync("services"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task SendMessage_DeviceSubscribed_ReceivesItOnMessagesDown()
    {
        var (app, device) = await shoal.NewDeviceAsync();
        using var inbox = await DeviceInbox.ConnectAsync(shoal, device, topics: "sys/messages/down");

        var response = await app.Owner.Client.PostAsJsonAsync($"{Route}/{app.Id}/devices/{device.Id}/messages", new { door = "close" });

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal((device.Topic("sys/messages/down"), """{"door":"close"}"""), await inbox.NextAsync());
    }

    [Fact]
    public async Task SendMessage_WithAUserTopic_ReachesTheDeviceSubscribedToIt()
    {
        var (app, device) = await shoal.NewDeviceAsync();
        using var inbox = await DeviceInbox.ConnectAsync(shoal, device, topics: "user/topictest");

        var response = await app.Owner.Client.PostAsJsonAsync($"{Route}/{app.Id}/devices/{device.Id}/messages?topic=topictest", new { door = "close" });

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal((device.Topic("user/topictest"), """{"door":"close"}"""), await inbox.NextAsync());
    }

    [Theory]
    [InlineData("a/%2B/b")]
    [InlineData("a//b")]
    [InlineData("%23")]
    public async Task SendMessage_WithATopicThatIsNotOne_Answers400(string topic)
    {
        var (app, device) = await shoal.NewDeviceAsync();
        using var inbox = await DeviceInbox.ConnectAsync(shoal, device);

        var response = await app.Owner.Client.PostAsJsonAsync($"{Route}/{app.Id}/devices/{device.Id}/messages?topic={topic}", new { door = "close" });

        Assert.Contains("user/", await response.FieldErrorAsync("topic"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task SendMessage_DeviceOnMqtt311SubscribedToNothing_ReceivesIt()
    {
        var (app, device) = await shoal.NewDeviceAsync();
        using var inbox = await DeviceInbox.ConnectAsync(shoal, device, protocol: MqttProtocolVersion.V311);

        var response = await app.Owner.Client.PostAsJsonAsync($"{Route}/{app.Id}/devices/{device.Id}/messages", new { door = "open" });

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal((device.Topic("sys/messages/down"), """{"door":"open"}"""), await inbox.NextAsync());
    }

    [Fact]
    public async Task SendEvent_OfTheDevicesOwnService_ReachesItOnEventsDown()
    {
        var (app, device) = await shoal.NewDeviceAsync();
        using var inbox = await DeviceInbox.ConnectAsync(shoal, device);

        var response = await app.Owner.Client.PostAsJsonAsync($"{Route}/{app.Id}/devices/{device.Id}/events",
            new { serviceId = "Door", eventType = "open_request", paras = new { seconds = 5 } });

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var (topic, payload) = await inbox.NextAsync();
        Assert.Equal(device.Topic("sys/events/down"), topic);
        var service = System.Text.Json.JsonDocument.Parse(payload).RootElement.GetProperty("services")[0];
        Assert.Equal(("Door", "open_request", 5),
            (service.GetProperty("service_id").GetString(), service.GetProperty("event_type").GetString(), service.GetProperty("paras").GetProperty("seconds").GetInt32()));
    }

    [Fact]
    public async Task SendEvent_SystemServiceShoalConducts_Answers400()
    {
        var (app, device) = await shoal.NewDeviceAsync();

        var response = await app.Owner.Client.PostAsJsonAsync($"{Route}/{app.Id}/devices/{device.Id}/events",
            new { serviceId = "$time_sync", eventType = "time_sync_response", paras = new { } });

        Assert.Contains("$ota", await response.FieldErrorAsync("serviceId"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task SendMessage_AnotherUsersDevice_Answers404()
    {
        var (_, device) = await shoal.NewDeviceAsync();
        var (intruder, _) = await shoal.NewDeviceAsync();
        using var inbox = await DeviceInbox.ConnectAsync(shoal, device, topics: "sys/messages/down");

        var response = await intruder.Owner.Client.PostAsJsonAsync($"{Route}/{intruder.Id}/devices/{device.Id}/messages", new { door = "open" });

        await response.ProblemAsync(HttpStatusCode.NotFound);
    }

    /// <summary><c>request_id=…</c>, the last level of the request topic, which the answer's topic repeats.</summary>
    private static string RequestId(TestDevice device, string topic)
    {
        Assert.StartsWith(device.Topic("sys/properties/"), topic, StringComparison.Ordinal);
        return topic[(topic.LastIndexOf('/') + 1)..];
    }
}

public sealed class DeviceRequestTestsOnSqlite(GatewayApplication<SqliteDatabase> shoal) : DeviceRequestTests<SqliteDatabase>(shoal);

public sealed class DeviceRequestTestsOnPostgres(GatewayApplication<PostgresDatabase> shoal) : DeviceRequestTests<PostgresDatabase>(shoal);
