using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Shoal.Coap.Lwm2m;
using Shoal.Server.Tests.Gateway;
using Shoal.Server.Tests.Infrastructure;
using Shoal.Server.Tests.Northbound;
using Shoal.Server.Tests.Subscriptions;
using Shoal.Storage.Entities;
using static Shoal.Server.Tests.Infrastructure.ApplicationApi;

namespace Shoal.Server.Tests.Coap;

/// <summary>An LwM2M device (lwm2m-node-lib's client) registering, reporting on /19/0/0 and taking commands on /19/1/0.</summary>
public abstract class Lwm2mDeviceTests<TDatabase>(CoapApplication<TDatabase> shoal) : IClassFixture<CoapApplication<TDatabase>>
    where TDatabase : ITestDatabase, new()
{
    private const string CommandsPath = "/iocm/app/cmd/v1.4.0/deviceCommands";

    [Fact]
    public async Task Register_KnownNodeId_TheDeviceIsOnlineActivatedAndBound()
    {
        await using var receiver = await PushReceiver.StartAsync();
        var (app, device, nodeId) = await NewDeviceAsync();
        await app.Na.SubscribeAsync("bindDevice", receiver.Url());

        await using var client = Lwm2mClient.Start(shoal.CoapPort, nodeId);
        var registered = await client.NextAsync("registered");

        Assert.Matches("^/?rd/[0-9a-f]{12}$", registered.GetProperty("location").GetString());
        var row = await shoal.QueryAsync(db => db.Devices.SingleAsync(d => d.Id == device.Id));
        Assert.Equal((DeviceStatus.Online, true), (row.Status, row.Activated));
        var push = JsonDocument.Parse((await receiver.NextAsync()).Body).RootElement;
        Assert.Equal(("bindDevice", device.Id), (push.GetProperty("notifyType").GetString(), push.GetProperty("deviceId").GetString()));
    }

    [Fact]
    public async Task Register_UnknownEndpointName_IsRefusedAndStoresNothing()
    {
        var before = await shoal.QueryAsync(db => db.DeviceEvents.CountAsync());

        await using var client = Lwm2mClient.Start(shoal.CoapPort, "nobody-" + Guid.NewGuid().ToString("N")[..8]);
        var refused = await client.NextAsync();

        Assert.Equal(("error", "register"), (refused.GetProperty("event").GetString(), refused.GetProperty("action").GetString()));
        Assert.Contains("4.03", refused.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(before, await shoal.QueryAsync(db => db.DeviceEvents.CountAsync()));
    }

    [Fact]
    public async Task Report_OnObservedData_IsStoredAsAMessageAndPushed()
    {
        await using var receiver = await PushReceiver.StartAsync();
        var (app, device, nodeId) = await NewDeviceAsync();
        await app.Na.SubscribeAsync("deviceMessageUp", receiver.Url());
        await using var client = await shoal.ObservedClientAsync(nodeId, device.Id);

        await client.ReportAsync("level=7");

        var push = JsonDocument.Parse((await receiver.NextAsync()).Body).RootElement;
        Assert.Equal(("deviceMessageUp", device.Id), (push.GetProperty("notifyType").GetString(), push.GetProperty("deviceId").GetString()));
        var message = (await MessagesAsync(app, device)).GetProperty("items")[0];
        Assert.Equal("level=7"u8.ToArray(), Convert.FromBase64String(message.GetProperty("base64").GetString()!));
    }

    [Fact]
    public async Task Report_InTheReferenceJson_IsStoredAsProperties()
    {
        var (app, device, nodeId) = await NewDeviceAsync();
        await using var client = await shoal.ObservedClientAsync(nodeId, device.Id);

        await client.ReportAsync("""{"msgType":"deviceReq","hasMore":0,"data":[{"serviceId":"Meter","serviceData":{"level":7}}]}""");

        await shoal.EventuallyAsync(db => db.DeviceServiceStates.AnyAsync(s => s.DeviceId == device.Id && s.ServiceId == "Meter"));
        var state = await shoal.QueryAsync(db => db.DeviceServiceStates.SingleAsync(s => s.DeviceId == device.Id && s.ServiceId == "Meter"));
        Assert.Equal(7, JsonDocument.Parse(state.Data).RootElement.GetProperty("level").GetInt32());
    }

    [Fact]
    public async Task Command_IsWrittenToItsCommandResourceAndDeliveredOnTheAcknowledgement()
    {
        var (app, device, nodeId) = await NewDeviceAsync();
        await using var client = await shoal.ObservedClientAsync(nodeId, device.Id);

        var commandId = await CreateCommandAsync(app.Na, device.Id);

        var written = await client.NextAsync("written");
        Assert.Equal("/19/1/0", written.GetProperty("path").GetString());
        var request = JsonDocument.Parse(written.GetProperty("value").GetString()!).RootElement;
        Assert.Equal(("cloudReq", "Switch", "SET"), (request.GetProperty("msgType").GetString(), request.GetProperty("serviceId").GetString(), request.GetProperty("cmd").GetString()));
        Assert.True(request.GetProperty("paras").GetProperty("on").GetBoolean());
        await shoal.EventuallyAsync(db => db.DeviceCommands.AnyAsync(c => c.Id == commandId && c.Status == DeviceCommandStatus.Delivered));
    }

    [Fact]
    public async Task Command_AnsweredWithTheReferenceJson_IsSuccessfulWithTheBody()
    {
        var (app, device, nodeId) = await NewDeviceAsync();
        await using var client = await shoal.ObservedClientAsync(nodeId, device.Id);
        var commandId = await CreateCommandAsync(app.Na, device.Id);
        var mid = JsonDocument.Parse((await client.NextAsync("written")).GetProperty("value").GetString()!).RootElement.GetProperty("mid").GetInt32();

        await client.ReportAsync($$$"""{"msgType":"deviceRsp","mid":{{{mid}}},"errcode":0,"body":{"state":"on"}}""");

        await shoal.EventuallyAsync(db => db.DeviceCommands.AnyAsync(c => c.Id == commandId && c.Status == DeviceCommandStatus.Successful));
        var result = await shoal.QueryAsync(db => db.DeviceCommands.Where(c => c.Id == commandId).Select(c => c.Result).SingleAsync());
        Assert.Contains("\"state\":\"on\"", result, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Command_CreatedWhileTheDeviceIsAway_IsWrittenWhenItRegisters()
    {
        var (app, device, nodeId) = await NewDeviceAsync();
        var commandId = await CreateCommandAsync(app.Na, device.Id);

        await using var client = await shoal.ObservedClientAsync(nodeId, device.Id);

        Assert.Equal("/19/1/0", (await client.NextAsync("written")).GetProperty("path").GetString());
        await shoal.EventuallyAsync(db => db.DeviceCommands.AnyAsync(c => c.Id == commandId && c.Status == DeviceCommandStatus.Delivered));
    }

    [Fact]
    public async Task MessageDown_ToARegisteredDevice_Answers409SayingLwm2mTakesOnlyCommands()
    {
        var (app, device, nodeId) = await NewDeviceAsync();
        await using var client = await shoal.ObservedClientAsync(nodeId, device.Id);

        var response = await app.Owner.Client.PostAsJsonAsync($"{Route}/{app.Id}/devices/{device.Id}/messages", new { door = "open" });

        var problem = await response.ProblemAsync(HttpStatusCode.Conflict);
        Assert.Contains("LwM2M, which takes only commands", problem.GetRawText(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Deregister_TheDeviceIsOfflineWithTheReason()
    {
        var (_, device, nodeId) = await NewDeviceAsync();
        await using var client = await shoal.ObservedClientAsync(nodeId, device.Id);

        await client.DeregisterAsync();

        await shoal.EventuallyAsync(db => db.Devices.AnyAsync(d => d.Id == device.Id && d.Status == DeviceStatus.Offline));
        Assert.Equal("The device de-registered.", await shoal.QueryAsync(db => db.Devices.Where(d => d.Id == device.Id).Select(d => d.LastDisconnectReason).SingleAsync()));
    }

    [Fact]
    public async Task Lifetime_RunsOutWithoutAnUpdate_TheDeviceIsOffline()
    {
        var (_, device, nodeId) = await NewDeviceAsync();
        await using var client = await shoal.ObservedClientAsync(nodeId, device.Id, lifetimeSeconds: 60);

        shoal.Time.Advance(TimeSpan.FromSeconds(61));
        await shoal.Services.GetRequiredService<Lwm2mServer>().ExpireAsync(TestContext.Current.CancellationToken);

        await shoal.EventuallyAsync(db => db.Devices.AnyAsync(d => d.Id == device.Id && d.Status == DeviceStatus.Offline));
        Assert.Null(shoal.Services.GetRequiredService<Lwm2mServer>().Find(device.Id));
    }

    private async Task<(NaApplication App, TestDevice Device, string NodeId)> NewDeviceAsync()
    {
        var app = await shoal.NewApplicationAsync(null, ("dataManagement", true));
        var nodeId = "nb-" + Guid.NewGuid().ToString("N")[..16];
        return (app, await shoal.RegisterAsync(app.Na, nodeId), nodeId);
    }

    private static async Task<string> CreateCommandAsync(NaClient na, string deviceId)
    {
        var body = new { deviceId, command = new { serviceId = "Switch", method = "SET", paras = new { on = true } } };
        return (await (await na.SendAsync(HttpMethod.Post, CommandsPath, body)).JsonAsync(HttpStatusCode.Created)).GetProperty("commandId").GetString()!;
    }

    private static async Task<JsonElement> MessagesAsync(NaApplication app, TestDevice device) =>
        await (await app.Owner.Client.GetAsync($"{Route}/{app.Id}/devices/{device.Id}/messages")).JsonAsync();
}

public sealed class Lwm2mDeviceTestsOnSqlite(CoapApplication<SqliteDatabase> shoal) : Lwm2mDeviceTests<SqliteDatabase>(shoal);

public sealed class Lwm2mDeviceTestsOnPostgres(CoapApplication<PostgresDatabase> shoal) : Lwm2mDeviceTests<PostgresDatabase>(shoal);
