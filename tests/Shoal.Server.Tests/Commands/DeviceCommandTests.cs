using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MQTTnet;
using MQTTnet.Formatter;
using Shoal.Gateway;
using Shoal.Server.Tests.Gateway;
using Shoal.Server.Tests.Infrastructure;
using Shoal.Server.Tests.Northbound;
using Shoal.Storage.Entities;

namespace Shoal.Server.Tests.Commands;

/// <summary>A command from the NA to a device and back: stored, published, acknowledged, answered, or ended by time.</summary>
public abstract class DeviceCommandTests<TDatabase>(GatewayApplication<TDatabase> shoal) : IClassFixture<GatewayApplication<TDatabase>>
    where TDatabase : ITestDatabase, new()
{
    public const string CommandsPath = "/iocm/app/cmd/v1.4.0/deviceCommands";
    private const string Response = """{"result_code":0,"response_name":"SET_RESPONSE","paras":{"on":true}}""";

    [Fact]
    public async Task Create_DeviceListening_ReceivesTheCommandOnItsTopicWithTheExactBody()
    {
        var (app, device) = await shoal.NewDeviceAsync();
        using var inbox = await DeviceInbox.ConnectAsync(shoal, device);

        var commandId = await CreateAsync(app.Na, device.Id);

        var (topic, payload) = await inbox.NextAsync();
        Assert.Equal(device.Topic($"sys/commands/request_id={commandId}"), topic);
        Assert.Equal($$$"""{"object_device_id":"{{{device.Id}}}","service_id":"Switch","command_name":"SET","paras":{"on":true}}""", payload);
    }

    [Fact]
    public async Task Create_Answers201WithTheCommandPending()
    {
        var (app, device) = await shoal.NewDeviceAsync();

        var command = await (await app.Na.SendAsync(HttpMethod.Post, CommandsPath, Body(device.Id, callbackUrl: "http://203.0.113.7/commands")))
            .JsonAsync(HttpStatusCode.Created);

        Assert.Equal(32, command.GetProperty("commandId").GetString()!.Length);
        Assert.Equal((app.Id, device.Id), (command.GetProperty("appId").GetString(), command.GetProperty("deviceId").GetString()));
        Assert.Equal("Switch", command.GetProperty("command").GetProperty("serviceId").GetString());
        Assert.Equal("SET", command.GetProperty("command").GetProperty("method").GetString());
        Assert.True(command.GetProperty("command").GetProperty("paras").GetProperty("on").GetBoolean());
        Assert.Equal("http://203.0.113.7/commands", command.GetProperty("callbackUrl").GetString());
        Assert.Equal(172800, command.GetProperty("expireTime").GetInt32());
        Assert.Equal("PENDING", command.GetProperty("status").GetString());
        Assert.Equal(Northbound.Northbound.Time(shoal.Time.GetUtcNow()), command.GetProperty("creationTime").GetString());
        Assert.Equal((0, 0), (command.GetProperty("issuedTimes").GetInt32(), command.GetProperty("maxRetransmit").GetInt32()));
    }

    [Fact]
    public async Task Create_DeviceOffline_IsSentWhenItConnects()
    {
        var (app, device) = await shoal.NewDeviceAsync();
        var commandId = await CreateAsync(app.Na, device.Id);
        await RunDispatcherAsync();
        Assert.Equal(DeviceCommandStatus.Pending, await StatusAsync(commandId));

        using var inbox = await DeviceInbox.ConnectAsync(shoal, device);

        Assert.Equal(device.Topic($"sys/commands/request_id={commandId}"), (await inbox.NextAsync()).Topic);
        await EventuallyStatusAsync(commandId, DeviceCommandStatus.Delivered);
    }

    [Fact]
    public async Task Create_MoreDevicesListeningThanAStatementTakesParameters_ReachesTheDevice()
    {
        var (app, device) = await shoal.NewDeviceAsync();
        using var inbox = await DeviceInbox.ConnectAsync(shoal, device);
        using var others = ListeningDevices.Open(shoal.Services, ListeningDevices.MoreThanAStatementTakes);

        var commandId = await CreateAsync(app.Na, device.Id);

        Assert.Equal(device.Topic($"sys/commands/request_id={commandId}"), (await inbox.NextAsync()).Topic);
    }

    [Fact]
    public async Task Create_DeviceOnMqtt311SubscribedToNothing_IsDeliveredAndAnswered()
    {
        var (app, device) = await shoal.NewDeviceAsync();
        using var inbox = await DeviceInbox.ConnectAsync(shoal, device, protocol: MqttProtocolVersion.V311);

        var commandId = await CreateAsync(app.Na, device.Id);
        Assert.Equal(device.Topic($"sys/commands/request_id={commandId}"), (await inbox.NextAsync()).Topic);
        await EventuallyStatusAsync(commandId, DeviceCommandStatus.Delivered);
        await inbox.RespondAsync(commandId, Response);

        await EventuallyStatusAsync(commandId, DeviceCommandStatus.Successful);
    }

    [Fact]
    public async Task Create_DeviceAlsoSubscribedToItsCommands_ReceivesItOnce()
    {
        var (app, device) = await shoal.NewDeviceAsync();
        using var inbox = await DeviceInbox.ConnectAsync(shoal, device, topics: "sys/commands/#");

        var commandId = await CreateAsync(app.Na, device.Id);
        await inbox.NextAsync();
        await EventuallyStatusAsync(commandId, DeviceCommandStatus.Delivered);
        // Whatever the gateway publishes next comes after any second copy of the command would have.
        Assert.Equal(HttpStatusCode.Accepted, (await app.Owner.Client.PostAsJsonAsync(
            $"{ApplicationApi.Route}/{app.Id}/devices/{device.Id}/messages", new { next = true })).StatusCode);

        Assert.Equal(device.Topic("sys/messages/down"), (await inbox.NextAsync()).Topic);
    }

    [Fact]
    public async Task PubAck_MakesTheCommandDelivered()
    {
        var (app, device) = await shoal.NewDeviceAsync();
        using var inbox = await DeviceInbox.ConnectAsync(shoal, device);

        var commandId = await CreateAsync(app.Na, device.Id);
        await inbox.NextAsync();

        await EventuallyStatusAsync(commandId, DeviceCommandStatus.Delivered);
        var command = await CommandAsync(app.Na, commandId);
        Assert.Equal(1, command.GetProperty("issuedTimes").GetInt32());
        Assert.True(command.TryGetProperty("platformIssuedTime", out _) && command.TryGetProperty("deliveredTime", out _));
    }

    [Fact]
    public async Task Response_ResultCodeZero_MakesItSuccessfulWithTheResult()
    {
        var (app, device) = await shoal.NewDeviceAsync();
        using var inbox = await DeviceInbox.ConnectAsync(shoal, device);
        var commandId = await CreateAsync(app.Na, device.Id);
        await inbox.NextAsync();

        var published = await inbox.RespondAsync(commandId, Response);

        Assert.Equal(MqttClientPublishReasonCode.Success, published.ReasonCode);
        Assert.Equal(DeviceCommandStatus.Successful, await StatusAsync(commandId));
        var command = await CommandAsync(app.Na, commandId);
        Assert.Equal("SUCCESSFUL", command.GetProperty("result").GetProperty("resultCode").GetString());
        Assert.True(command.GetProperty("result").GetProperty("resultDetail").GetProperty("on").GetBoolean());
        Assert.True(command.TryGetProperty("executeTime", out _));
    }

    [Fact]
    public async Task Response_OtherResultCode_MakesItFailed()
    {
        var (app, device) = await shoal.NewDeviceAsync();
        using var inbox = await DeviceInbox.ConnectAsync(shoal, device);
        var commandId = await CreateAsync(app.Na, device.Id);
        await inbox.NextAsync();

        await inbox.RespondAsync(commandId, """{"result_code":1,"paras":{"error":"jammed"}}""");

        Assert.Equal(DeviceCommandStatus.Failed, await StatusAsync(commandId));
        var result = (await CommandAsync(app.Na, commandId)).GetProperty("result");
        Assert.Equal("FAILED", result.GetProperty("resultCode").GetString());
        Assert.Equal("jammed", result.GetProperty("resultDetail").GetProperty("error").GetString());
    }

    [Fact]
    public async Task Response_Malformed_IsRefusedAndChangesNothing()
    {
        var (app, device) = await shoal.NewDeviceAsync();
        using var inbox = await DeviceInbox.ConnectAsync(shoal, device);
        var commandId = await CreateAsync(app.Na, device.Id);
        await inbox.NextAsync();
        await EventuallyStatusAsync(commandId, DeviceCommandStatus.Delivered);

        var published = await inbox.RespondAsync(commandId, """{"result_code":"zero"}""");

        Assert.Equal(MqttClientPublishReasonCode.PayloadFormatInvalid, published.ReasonCode);
        Assert.Equal(DeviceCommandStatus.Delivered, await StatusAsync(commandId));
    }

    [Fact]
    public async Task StateChanges_EachWriteAnEventWithTheCommandAsTheNaSeesIt()
    {
        var (app, device) = await shoal.NewDeviceAsync();
        using var inbox = await DeviceInbox.ConnectAsync(shoal, device);
        var commandId = await CreateAsync(app.Na, device.Id);
        await inbox.NextAsync();
        await EventuallyStatusAsync(commandId, DeviceCommandStatus.Delivered);

        await inbox.RespondAsync(commandId, Response);

        var events = await shoal.QueryAsync(db => db.DeviceEvents.AsNoTracking()
            .Where(e => e.DeviceId == device.Id && e.Type == DeviceEventType.CommandStateChanged).OrderBy(e => e.Id).ToListAsync());
        var states = events.Select(e => JsonDocument.Parse(e.Payload).RootElement).ToList();
        Assert.Equal(["PENDING", "SENT", "DELIVERED", "SUCCESSFUL"], states.Select(s => s.GetProperty("status").GetString()));
        Assert.All(states, s => Assert.Equal((commandId, app.Id), (s.GetProperty("commandId").GetString(), s.GetProperty("appId").GetString())));
    }

    [Fact]
    public async Task Create_DeviceOfflinePastExpireTime_IsExpired()
    {
        var (app, device) = await shoal.NewDeviceAsync();
        var commandId = await CreateAsync(app.Na, device.Id, expireTime: 60);

        shoal.Time.Advance(TimeSpan.FromSeconds(61));
        await RunDispatcherAsync();

        Assert.Equal(DeviceCommandStatus.Expired, await StatusAsync(commandId));
    }

    [Fact]
    public async Task Create_ExpireTimeZeroDeviceOffline_IsExpiredAtOnce()
    {
        var (app, device) = await shoal.NewDeviceAsync();

        var command = await (await app.Na.SendAsync(HttpMethod.Post, CommandsPath, Body(device.Id, expireTime: 0))).JsonAsync(HttpStatusCode.Created);

        Assert.Equal("EXPIRED", command.GetProperty("status").GetString());
    }

    [Fact]
    public async Task Create_ExpireTimeZeroDeviceListening_IsDelivered()
    {
        var (app, device) = await shoal.NewDeviceAsync();
        using var inbox = await DeviceInbox.ConnectAsync(shoal, device);

        var commandId = await CreateAsync(app.Na, device.Id, expireTime: 0);

        await inbox.NextAsync();
        await EventuallyStatusAsync(commandId, DeviceCommandStatus.Delivered);
    }

    [Fact]
    public async Task Delivered_NoResponseInTime_IsTimeout()
    {
        var (app, device) = await shoal.NewDeviceAsync();
        using var inbox = await DeviceInbox.ConnectAsync(shoal, device);
        var commandId = await CreateAsync(app.Na, device.Id);
        await inbox.NextAsync();
        await EventuallyStatusAsync(commandId, DeviceCommandStatus.Delivered);

        shoal.Time.Advance(new GatewayOptions().CommandResponseTimeout);
        await RunDispatcherAsync();

        Assert.Equal(DeviceCommandStatus.Timeout, await StatusAsync(commandId));
    }

    [Fact]
    public async Task Sent_NoPubAck_IsPublishedAgainUpToMaxRetransmitThenTimeout()
    {
        var (app, device) = await shoal.NewDeviceAsync();
        using var inbox = await DeviceInbox.ConnectAsync(shoal, device, acknowledge: false);
        var commandId = await CreateAsync(app.Na, device.Id, maxRetransmit: 1);
        await inbox.NextAsync();
        var interval = new GatewayOptions().CommandRetransmitInterval;

        shoal.Time.Advance(interval);
        await RunDispatcherAsync();
        var (topic, _) = await inbox.NextAsync();
        shoal.Time.Advance(interval);
        await RunDispatcherAsync();

        Assert.Equal(device.Topic($"sys/commands/request_id={commandId}"), topic);
        Assert.Equal(DeviceCommandStatus.Timeout, await StatusAsync(commandId));
        Assert.Equal(2, (await CommandAsync(app.Na, commandId)).GetProperty("issuedTimes").GetInt32());
    }

    [Fact]
    public async Task Cancel_Pending_IsCanceledAndNeverSent()
    {
        var (app, device) = await shoal.NewDeviceAsync();
        var canceledId = await CreateAsync(app.Na, device.Id);

        var canceled = await (await app.Na.SendAsync(HttpMethod.Put, $"{CommandsPath}/{canceledId}", new { status = "CANCELED" })).JsonAsync();
        var laterId = await CreateAsync(app.Na, device.Id);
        using var inbox = await DeviceInbox.ConnectAsync(shoal, device);

        Assert.Equal("CANCELED", canceled.GetProperty("status").GetString());
        Assert.Equal(device.Topic($"sys/commands/request_id={laterId}"), (await inbox.NextAsync()).Topic);
        Assert.Equal(DeviceCommandStatus.Canceled, await StatusAsync(canceledId));
    }

    [Fact]
    public async Task Cancel_Delivered_IsRefusedAndChangesNothing()
    {
        var (app, device) = await shoal.NewDeviceAsync();
        using var inbox = await DeviceInbox.ConnectAsync(shoal, device);
        var commandId = await CreateAsync(app.Na, device.Id);
        await inbox.NextAsync();
        await EventuallyStatusAsync(commandId, DeviceCommandStatus.Delivered);

        var response = await app.Na.SendAsync(HttpMethod.Put, $"{CommandsPath}/{commandId}", new { status = "CANCELED" });

        await response.NaErrorAsync(HttpStatusCode.BadRequest, "100022");
        Assert.Equal(DeviceCommandStatus.Delivered, await StatusAsync(commandId));
    }

    [Fact]
    public async Task Cancel_OtherStatus_IsRefused()
    {
        var (app, device) = await shoal.NewDeviceAsync();
        var commandId = await CreateAsync(app.Na, device.Id);

        var response = await app.Na.SendAsync(HttpMethod.Put, $"{CommandsPath}/{commandId}", new { status = "SUCCESSFUL" });

        await response.NaErrorAsync(HttpStatusCode.BadRequest, "100022");
        Assert.Equal(DeviceCommandStatus.Pending, await StatusAsync(commandId));
    }

    [Fact]
    public async Task List_ByDevice_PagesNewestFirst()
    {
        var (app, device) = await shoal.NewDeviceAsync();
        var other = await shoal.RegisterAsync(app.Na, $"node-{Guid.NewGuid():N}");
        var first = await CreateAsync(app.Na, device.Id);
        shoal.Time.Advance(TimeSpan.FromSeconds(1));
        var second = await CreateAsync(app.Na, device.Id);
        shoal.Time.Advance(TimeSpan.FromSeconds(1));
        var third = await CreateAsync(app.Na, device.Id);
        await CreateAsync(app.Na, other.Id);

        var firstPage = await (await app.Na.GetAsync($"{CommandsPath}?deviceId={device.Id}&pageNo=0&pageSize=2")).JsonAsync();
        var secondPage = await (await app.Na.GetAsync($"{CommandsPath}?deviceId={device.Id}&pageNo=1&pageSize=2")).JsonAsync();

        Assert.Equal(3, secondPage.GetProperty("pagination").GetProperty("totalSize").GetInt32());
        Assert.Equal((1, 2), (secondPage.GetProperty("pagination").GetProperty("pageNo").GetInt32(), secondPage.GetProperty("pagination").GetProperty("pageSize").GetInt32()));
        Assert.Equal([third, second], firstPage.GetProperty("data").EnumerateArray().Select(c => c.GetProperty("commandId").GetString()));
        Assert.Equal([first], secondPage.GetProperty("data").EnumerateArray().Select(c => c.GetProperty("commandId").GetString()));
    }

    [Fact]
    public async Task List_ByTime_KeepsTheCommandsCreatedInTheRange()
    {
        var (app, device) = await shoal.NewDeviceAsync();
        await CreateAsync(app.Na, device.Id);
        shoal.Time.Advance(TimeSpan.FromMinutes(1));
        var from = Northbound.Northbound.Time(shoal.Time.GetUtcNow());
        var inRange = await CreateAsync(app.Na, device.Id);

        var page = await (await app.Na.GetAsync($"{CommandsPath}?deviceId={device.Id}&startTime={from}")).JsonAsync();

        Assert.Equal([inRange], page.GetProperty("data").EnumerateArray().Select(c => c.GetProperty("commandId").GetString()));
    }

    [Fact]
    public async Task OlderCall_PerDevicePath_Answers200AndIsDelivered()
    {
        var (app, device) = await shoal.NewDeviceAsync();
        using var inbox = await DeviceInbox.ConnectAsync(shoal, device);

        var command = await (await app.Na.SendAsync(HttpMethod.Post, $"/iocm/app/cmd/v1.2.0/devices/{device.Id}/commands",
            new { command = new { serviceId = "Switch", method = "SET", paras = new { on = true } }, expireTime = 60, requestId = "r-1" })).JsonAsync();

        var commandId = command.GetProperty("commandId").GetString()!;
        Assert.Equal(device.Topic($"sys/commands/request_id={commandId}"), (await inbox.NextAsync()).Topic);
    }

    [Theory]
    [InlineData("""{"command":{"serviceId":"Switch","method":"SET"}}""", "102202")]
    [InlineData("""{"deviceId":"{device}"}""", "102202")]
    [InlineData("""{"deviceId":"{device}","command":{"method":"SET"}}""", "102202")]
    [InlineData("""{"deviceId":"{device}","command":{"serviceId":"Switch"}}""", "102202")]
    [InlineData("""{"deviceId":"{device}","command":{"serviceId":"Switch","method":"SET","paras":[1]}}""", "100022")]
    [InlineData("""{"deviceId":"{device}","command":{"serviceId":"Switch","method":"SET"},"expireTime":-1}""", "100022")]
    [InlineData("""{"deviceId":"{device}","command":{"serviceId":"Switch","method":"SET"},"expireTime":"soon"}""", "100022")]
    [InlineData("""{"deviceId":"{device}","command":{"serviceId":"Switch","method":"SET"},"maxRetransmit":4}""", "100022")]
    [InlineData("""{"deviceId":"{device}","command":{"serviceId":"Switch","method":"SET"},"callbackUrl":"ftp://na.example.com/x"}""", "100222")]
    [InlineData("""{"deviceId":"{device}","command":{"serviceId":"Switch","method":"SET"},"callbackUrl":"not a url"}""", "100222")]
    [InlineData("""{"deviceId":"{device}","command":{"serviceId":"Switch","method":"SET"},"callbackUrl":"http://169.254.169.254/latest"}""", "100222")]
    [InlineData("""{"deviceId":"{device}","command":{"serviceId":"Switch","method":"SET"},"callbackUrl":"https://203.0.113.7/commands"}""", "100222")]
    [InlineData("""{"deviceId":"{device}","command":""", "100022")]
    public async Task Create_BadInput_Answers400AndStoresNothing(string body, string code)
    {
        var (app, device) = await shoal.NewDeviceAsync();

        var response = await app.Na.SendAsync(HttpMethod.Post, CommandsPath, body.Replace("{device}", device.Id, StringComparison.Ordinal));

        await response.NaErrorAsync(HttpStatusCode.BadRequest, code);
        Assert.False(await shoal.QueryAsync(db => db.DeviceCommands.AnyAsync(c => c.DeviceId == device.Id)));
    }

    [Fact]
    public async Task Create_CallbackUrlLongerThan1024_Answers100222()
    {
        var (app, device) = await shoal.NewDeviceAsync();

        var response = await app.Na.SendAsync(HttpMethod.Post, CommandsPath, Body(device.Id, callbackUrl: "http://203.0.113.7/" + new string('a', 1010)));

        await response.NaErrorAsync(HttpStatusCode.BadRequest, "100222");
    }

    [Fact]
    public async Task Create_UnknownDevice_Answers404100418()
    {
        var (app, _) = await shoal.NewDeviceAsync();

        var response = await app.Na.SendAsync(HttpMethod.Post, CommandsPath, Body("no-such-device"));

        await response.NaErrorAsync(HttpStatusCode.NotFound, "100418");
    }

    [Fact]
    public async Task Create_AnotherApplicationsDevice_Answers404AndSendsNothing()
    {
        var (_, device) = await shoal.NewDeviceAsync();
        var (intruder, _) = await shoal.NewDeviceAsync();

        var response = await intruder.Na.SendAsync(HttpMethod.Post, CommandsPath, Body(device.Id));

        await response.NaErrorAsync(HttpStatusCode.NotFound, "100418");
        Assert.False(await shoal.QueryAsync(db => db.DeviceCommands.AnyAsync(c => c.DeviceId == device.Id)));
    }

    [Fact]
    public async Task ListAndCancel_AnotherApplicationsCommand_AreNotVisible()
    {
        var (app, device) = await shoal.NewDeviceAsync();
        var commandId = await CreateAsync(app.Na, device.Id);
        var (intruder, _) = await shoal.NewDeviceAsync();

        var listed = await (await intruder.Na.GetAsync($"{CommandsPath}?deviceId={device.Id}")).JsonAsync();
        var canceled = await intruder.Na.SendAsync(HttpMethod.Put, $"{CommandsPath}/{commandId}", new { status = "CANCELED" });

        Assert.Equal(0, listed.GetProperty("pagination").GetProperty("totalSize").GetInt32());
        await canceled.NaErrorAsync(HttpStatusCode.NotFound, "100225");
        Assert.Equal(DeviceCommandStatus.Pending, await StatusAsync(commandId));
    }

    [Fact]
    public async Task Create_ViewGrant_Answers403100217AndStoresNothing()
    {
        var (grantor, device) = await shoal.NewDeviceAsync();
        var (grantee, _) = await shoal.NewDeviceAsync();
        await GrantAsync(grantor, grantee.Id, "View");

        var response = await grantee.Na.SendAsync(HttpMethod.Post, $"{CommandsPath}?appId={grantor.Id}", Body(device.Id));

        await response.NaErrorAsync(HttpStatusCode.Forbidden, "100217");
        Assert.False(await shoal.QueryAsync(db => db.DeviceCommands.AnyAsync(c => c.DeviceId == device.Id)));
    }

    [Fact]
    public async Task Create_EditGrant_IsStoredInTheGrantorsApplication()
    {
        var (grantor, device) = await shoal.NewDeviceAsync();
        var (grantee, _) = await shoal.NewDeviceAsync();
        await GrantAsync(grantor, grantee.Id, "Edit");

        var command = await (await grantee.Na.SendAsync(HttpMethod.Post, $"{CommandsPath}?appId={grantor.Id}", Body(device.Id)))
            .JsonAsync(HttpStatusCode.Created);

        Assert.Equal(grantor.Id, command.GetProperty("appId").GetString());
        var listed = await (await grantor.Na.GetAsync($"{CommandsPath}?deviceId={device.Id}")).JsonAsync();
        Assert.Equal(1, listed.GetProperty("pagination").GetProperty("totalSize").GetInt32());
    }

    private static async Task GrantAsync(NaApplication grantor, string granteeId, string level) =>
        await (await grantor.Owner.Client.PostAsJsonAsync($"{ApplicationApi.Route}/{grantor.Id}/grants", new { granteeApplicationId = granteeId, level }))
            .JsonAsync(HttpStatusCode.Created);

    private static object Body(string deviceId, int? expireTime = null, int? maxRetransmit = null, string? callbackUrl = null) => new
    {
        deviceId,
        command = new { serviceId = "Switch", method = "SET", paras = new { on = true } },
        expireTime,
        maxRetransmit,
        callbackUrl,
    };

    private static async Task<string> CreateAsync(NaClient na, string deviceId, int? expireTime = null, int? maxRetransmit = null)
    {
        var command = await (await na.SendAsync(HttpMethod.Post, CommandsPath, Body(deviceId, expireTime, maxRetransmit))).JsonAsync(HttpStatusCode.Created);
        return command.GetProperty("commandId").GetString()!;
    }

    private static async Task<JsonElement> CommandAsync(NaClient na, string commandId)
    {
        var page = await (await na.GetAsync($"{CommandsPath}?pageSize=250")).JsonAsync();
        return page.GetProperty("data").EnumerateArray().Single(c => c.GetProperty("commandId").GetString() == commandId);
    }

    private Task<DeviceCommandStatus> StatusAsync(string commandId) =>
        shoal.QueryAsync(db => db.DeviceCommands.Where(c => c.Id == commandId).Select(c => c.Status).SingleAsync());

    private Task EventuallyStatusAsync(string commandId, DeviceCommandStatus status) =>
        shoal.EventuallyAsync(db => db.DeviceCommands.AnyAsync(c => c.Id == commandId && c.Status == status));

    private Task RunDispatcherAsync() =>
        shoal.Services.GetRequiredService<CommandDispatchWorker>().RunOnceAsync(TestContext.Current.CancellationToken);
}

public sealed class DeviceCommandTestsOnSqlite(GatewayApplication<SqliteDatabase> shoal) : DeviceCommandTests<SqliteDatabase>(shoal);

public sealed class DeviceCommandTestsOnPostgres(GatewayApplication<PostgresDatabase> shoal) : DeviceCommandTests<PostgresDatabase>(shoal);
