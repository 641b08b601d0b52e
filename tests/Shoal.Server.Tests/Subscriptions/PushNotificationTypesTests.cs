using System.Net;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using MQTTnet;
using Shoal.Server.Tests.Gateway;
using Shoal.Server.Tests.Infrastructure;
using Shoal.Server.Tests.Northbound;
using Shoal.Storage.Entities;

namespace Shoal.Server.Tests.Subscriptions;

/// <summary>The notification types made by the NA's own calls and by commands: deviceInfoChanged, deviceDeleted, commandRsp.</summary>
public abstract class PushNotificationTypesTests<TDatabase>(PushApplication<TDatabase> shoal) : IClassFixture<PushApplication<TDatabase>>
    where TDatabase : ITestDatabase, new()
{
    private const string CommandsPath = "/iocm/app/cmd/v1.4.0/deviceCommands";

    [Fact]
    public async Task ModifyDevice_SubscribedToDeviceInfoChanged_ReceiverGetsTheNewInfoSigned()
    {
        await using var receiver = await PushReceiver.StartAsync();
        var (app, device) = await shoal.NewDeviceAsync();
        var secret = await app.RotateSigningSecretAsync();
        await SubscribeAsync(app, "deviceInfoChanged", receiver.Url());

        var modified = await app.Na.SendAsync(HttpMethod.Put, $"/iocm/app/dm/v1.3.0/devices/{device.Id}", new { name = "Boiler room", location = "Basement" });

        Assert.True(modified.IsSuccessStatusCode);
        var push = await receiver.NextAsync();
        var body = JsonDocument.Parse(push.Body).RootElement;
        Assert.Equal(("deviceInfoChanged", device.Id, device.Id), (Text(body, "notifyType"), Text(body, "deviceId"), Text(body, "gatewayId")));
        var info = body.GetProperty("deviceInfo");
        Assert.Equal(("Boiler room", "Basement", "INACTIVE"), (Text(info, "name"), Text(info, "location"), Text(info, "status")));
        Assert.True(await SignatureVerifier.VerifiesAsync(secret, push));
    }

    [Fact]
    public async Task DeleteDevice_SubscribedToDeviceDeleted_ReceiverGetsTheReferenceBody()
    {
        await using var receiver = await PushReceiver.StartAsync();
        var (app, device) = await shoal.NewDeviceAsync();
        await SubscribeAsync(app, "deviceDeleted", receiver.Url());

        var deleted = await app.Na.SendAsync(HttpMethod.Delete, $"/iocm/app/dm/v1.2.0/devices/{device.Id}");

        Assert.True(deleted.IsSuccessStatusCode);
        Assert.Equal($$$"""{"notifyType":"deviceDeleted","deviceId":"{{{device.Id}}}","gatewayId":"{{{device.Id}}}"}""", (await receiver.NextAsync()).Body);
    }

    [Fact]
    public async Task Command_SubscribedToCommandRsp_ReceiverGetsEveryStateChangeUpToTheResultSigned()
    {
        await using var receiver = await PushReceiver.StartAsync();
        var (app, device) = await shoal.NewDeviceAsync();
        var secret = await app.RotateSigningSecretAsync();
        await SubscribeAsync(app, "commandRsp", receiver.Url());
        using var inbox = await DeviceInbox.ConnectAsync(shoal, device);

        var commandId = await CreateCommandAsync(app.Na, device.Id);
        await inbox.NextAsync();
        await DeliveredAsync(commandId);
        await inbox.RespondAsync(commandId, """{"result_code":0,"response_name":"SET_RESPONSE","paras":{"on":true}}""");

        // One round sends its pushes side by side, so they may arrive in any order.
        List<ReceivedPush> pushes = [await receiver.NextAsync(), await receiver.NextAsync(), await receiver.NextAsync(), await receiver.NextAsync()];
        pushes = [.. pushes.OrderBy(p => Array.IndexOf(States, CommandRspStatus(p)))];
        Assert.Equal(States, pushes.Select(CommandRspStatus));
        Assert.Equal(
            $$$$$"""{"notifyType":"commandRsp","header":{"requestId":"{{{{{commandId}}}}}","from":"/devices/{{{{{device.Id}}}}}/services/Switch","to":"{{{{{app.Id}}}}}","deviceId":"{{{{{device.Id}}}}}","serviceType":"Switch","method":"SET_RESPONSE"},"body":{"commandId":"{{{{{commandId}}}}}","status":"SUCCESSFUL","result":{"resultCode":"SUCCESSFUL","responseName":"SET_RESPONSE","resultDetail":{"on":true}}}}""",
            pushes[^1].Body);
        foreach (var push in pushes)
        {
            Assert.True(await SignatureVerifier.VerifiesAsync(secret, push));
        }
    }

    [Fact]
    public async Task Command_WithCallbackUrlAndCommandRspSubscription_BothGetEveryStateChangeSigned()
    {
        await using var receiver = await PushReceiver.StartAsync();
        var (app, device) = await shoal.NewDeviceAsync();
        var secret = await app.RotateSigningSecretAsync();
        await SubscribeAsync(app, "commandRsp", receiver.Url("/subscription"));
        using var inbox = await DeviceInbox.ConnectAsync(shoal, device);

        var commandId = await CreateCommandAsync(app.Na, device.Id, receiver.Url("/command"));
        await inbox.NextAsync();
        await DeliveredAsync(commandId);
        await inbox.RespondAsync(commandId, """{"result_code":0,"response_name":"SET_RESPONSE","paras":{"on":true}}""");

        var pushes = new List<ReceivedPush>();
        for (var i = 0; i < 2 * States.Length; i++)
        {
            pushes.Add(await receiver.NextAsync());
        }
        var subscription = pushes.Where(p => p.Path == "/subscription").Select(CommandRspStatus);
        var callback = pushes.Where(p => p.Path == "/command").Select(p => Text(JsonDocument.Parse(p.Body).RootElement.GetProperty("result"), "resultCode"));
        Assert.Equal(States, subscription.OrderBy(s => Array.IndexOf(States, s)));
        Assert.Equal(States, callback.OrderBy(s => Array.IndexOf(States, s)));
        Assert.Equal(
            $$$$"""{"deviceId":"{{{{device.Id}}}}","commandId":"{{{{commandId}}}}","result":{"resultCode":"SUCCESSFUL","resultDetail":{"on":true}}}""",
            pushes.Single(p => p.Path == "/command" && p.Body.Contains("SUCCESSFUL", StringComparison.Ordinal)).Body);
        foreach (var push in pushes)
        {
            Assert.True(await SignatureVerifier.VerifiesAsync(secret, push));
        }
    }

    [Fact]
    public async Task Command_CallbackUrlOfAnApplicationWithoutSubscriptions_IsStillPushed()
    {
        await using var receiver = await PushReceiver.StartAsync();
        var (app, device) = await shoal.NewDeviceAsync();

        var commandId = await CreateCommandAsync(app.Na, device.Id, receiver.Url("/command"));

        Assert.Equal(
            $$$"""{"deviceId":"{{{device.Id}}}","commandId":"{{{commandId}}}","result":{"resultCode":"PENDING","resultDetail":null}}""",
            (await receiver.NextAsync()).Body);
    }

    [Fact]
    public async Task Command_CallbackPushed_OwnerSeesTheAttemptInTheDeliveryLogWithoutASubscription()
    {
        await using var receiver = await PushReceiver.StartAsync();
        var (app, device) = await shoal.NewDeviceAsync();

        await CreateCommandAsync(app.Na, device.Id, receiver.Url("/command"));

        await receiver.NextAsync();
        await shoal.EventuallyAsync(db => db.PushAttempts.AnyAsync(a => db.PushDeliveries.Any(d => d.Id == a.DeliveryId && d.ApplicationId == app.Id)));
        var attempt = (await app.PushAttemptsAsync()).GetProperty("items").EnumerateArray().Single();
        Assert.Equal((JsonValueKind.Null, 200), (attempt.GetProperty("subscriptionId").ValueKind, attempt.GetProperty("status").GetInt32()));
    }

    [Fact]
    public async Task Command_SubscribedToMessageConfirm_ReceiverGetsTheDeliveryAcknowledgmentOnce()
    {
        await using var receiver = await PushReceiver.StartAsync();
        var (app, device) = await shoal.NewDeviceAsync();
        await SubscribeAsync(app, "messageConfirm", receiver.Url());
        using var inbox = await DeviceInbox.ConnectAsync(shoal, device);

        var commandId = await CreateCommandAsync(app.Na, device.Id);
        await inbox.NextAsync();
        await DeliveredAsync(commandId);
        await inbox.RespondAsync(commandId, """{"result_code":0,"response_name":"SET_RESPONSE","paras":{"on":true}}""");

        var push = await receiver.NextAsync();
        var deliveredAt = await shoal.QueryAsync(db => db.DeviceCommands.Where(c => c.Id == commandId).Select(c => c.DeliveredAt!.Value).SingleAsync());
        Assert.Equal(
            $$$"""{"notifyType":"messageConfirm","header":{"requestId":"{{{commandId}}}","from":"/devices/{{{device.Id}}}/services/Switch","to":"{{{app.Id}}}","status":"DELIVERED","timestamp":"{{{Northbound.Northbound.Time(deliveredAt)}}}"},"body":{}}""",
            push.Body);
        await shoal.EventuallyAsync(db => db.DeviceCommands.AnyAsync(c => c.Id == commandId && c.Status == DeviceCommandStatus.Successful));
        await shoal.EventuallyAsync(db => db.PushCursors.AnyAsync(c => c.LastEventId >= db.DeviceEvents.Where(e => e.DeviceId == device.Id).Max(e => e.Id)));
        Assert.Equal(1, await shoal.QueryAsync(db => db.PushDeliveries.CountAsync(d => d.ApplicationId == app.Id)));
    }

    [Fact]
    public async Task EventsUp_SubscribedToDeviceEvent_ReceiverGetsEachEventSigned()
    {
        await using var receiver = await PushReceiver.StartAsync();
        var (app, device) = await shoal.NewDeviceAsync();
        var secret = await app.RotateSigningSecretAsync();
        await SubscribeAsync(app, "deviceEvent", receiver.Url());
        using var inbox = await DeviceInbox.ConnectAsync(shoal, device);

        var published = await inbox.PublishAsync("sys/events/up", """
            {"services":[{"service_id":"$ota","event_type":"version_report","event_time":"20261125T101500Z","paras":{"fw_version":"v1.2"}}]}
            """);

        Assert.Equal(MqttClientPublishReasonCode.Success, published.ReasonCode);
        var push = await receiver.NextAsync();
        var body = JsonDocument.Parse(push.Body).RootElement;
        var header = body.GetProperty("header");
        Assert.Equal(
            ("deviceEvent", "version_report", $"/devices/{device.Id}/services/$ota", "20261125T101500Z", device.Id, "$ota"),
            (Text(body, "notifyType"), Text(header, "eventType"), Text(header, "from"), Text(header, "eventTime"), Text(header, "deviceId"), Text(header, "serviceType")));
        Assert.Equal("""{"fw_version":"v1.2"}""", body.GetProperty("body").GetRawText());
        Assert.True(await SignatureVerifier.VerifiesAsync(secret, push));
    }

    [Fact]
    public async Task EventsUp_WithoutAnEventType_IsPushedToNobodyAndTheEventsBehindItStillAre()
    {
        await using var receiver = await PushReceiver.StartAsync();
        var (app, device) = await shoal.NewDeviceAsync();
        await SubscribeAsync(app, "deviceEvent", receiver.Url());
        using var inbox = await DeviceInbox.ConnectAsync(shoal, device);

        await inbox.PublishAsync("sys/events/up", """{"services":[{"service_id":"Alarm","paras":{"level":1}}]}""");
        await inbox.PublishAsync("sys/events/up", """{"services":[{"service_id":"Alarm","event_type":"raised","paras":{"level":2}}]}""");

        var push = await receiver.NextAsync();
        Assert.Equal("raised", Text(JsonDocument.Parse(push.Body).RootElement.GetProperty("header"), "eventType"));
        Assert.Equal(1, await shoal.QueryAsync(db => db.PushDeliveries.CountAsync(d => d.ApplicationId == app.Id)));
    }

    /// <summary>The device's PUBACK is sent after the test has read the command: waiting for it keeps the response from overtaking it.</summary>
    private Task DeliveredAsync(string commandId) =>
        shoal.EventuallyAsync(db => db.DeviceCommands.AnyAsync(c => c.Id == commandId && c.Status == DeviceCommandStatus.Delivered));

    private static readonly string[] States = ["PENDING", "SENT", "DELIVERED", "SUCCESSFUL"];

    private static string? CommandRspStatus(ReceivedPush push) => Text(JsonDocument.Parse(push.Body).RootElement.GetProperty("body"), "status");

    private static string? Text(JsonElement element, string name) => element.GetProperty(name).GetString();

    private static async Task<string> CreateCommandAsync(NaClient na, string deviceId, string? callbackUrl = null) =>
        (await (await na.SendAsync(HttpMethod.Post, CommandsPath, new
        {
            deviceId,
            command = new { serviceId = "Switch", method = "SET", paras = new { on = true } },
            callbackUrl,
        })).JsonAsync(HttpStatusCode.Created)).GetProperty("commandId").GetString()!;

    private static async Task SubscribeAsync(NaApplication app, string notifyType, string callbackUrl) =>
        await (await app.Na.SubscribeAsync(notifyType, callbackUrl)).JsonAsync(HttpStatusCode.Created);
}

public sealed class PushNotificationTypesTestsOnSqlite(PushApplication<SqliteDatabase> shoal) : PushNotificationTypesTests<SqliteDatabase>(shoal);

public sealed class PushNotificationTypesTestsOnPostgres(PushApplication<PostgresDatabase> shoal) : PushNotificationTypesTests<PostgresDatabase>(shoal);
