using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using MQTTnet;
using MQTTnet.Protocol;
using Shoal.Server.Tests.Infrastructure;
using Shoal.Server.Tests.Northbound;
using Shoal.Server.Tests.Subscriptions;
using Shoal.Storage.Entities;
using static Shoal.Server.Tests.Infrastructure.ApplicationApi;

namespace Shoal.Server.Tests.Gateway;

/// <summary>
/// A gateway and its sub-devices, as the reference platform's gateway SDKs drive them: <c>$sub_device_manager</c>
/// events on the gateway's own connection, batch reports, and a sub-device's messages and events sent in its name.
/// </summary>
public abstract class SubDeviceTests<TDatabase>(PushApplication<TDatabase> shoal) : IClassFixture<PushApplication<TDatabase>>
    where TDatabase : ITestDatabase, new()
{
    [Fact]
    public async Task AddRequest_AsThePythonSdkSendsIt_IsAnsweredWithEachDeviceAndTheEventId()
    {
        using var gateway = await GatewayAsync();
        var product = Product();
        var devices = string.Join(',', "abc".Select(node =>
            $$"""{"parent_device_id":"","node_id":"{{node}}","device_id":"","name":"meter {{node}}","description":"","product_id":"{{product}}","extension_info":""}"""));

        await gateway.PublishAsync("sys/events/up", Request("add_sub_device_request", $$"""{"devices":[{{devices}}]}""", eventId: "add-1"));

        var (eventType, answer) = await NextEventAsync(gateway);
        Assert.Equal(("add_sub_device_response", "add-1"), (eventType, answer.GetProperty("event_id").GetString()));
        var added = answer.GetProperty("paras").GetProperty("successful_devices").EnumerateArray().ToList();
        Assert.Equal([$"{product}_a", $"{product}_b", $"{product}_c"], added.Select(d => d.GetProperty("device_id").GetString()));
        Assert.All(added, d => Assert.Equal((gateway.Device.Id, "INACTIVE"), (d.GetProperty("parent_device_id").GetString(), d.GetProperty("status").GetString())));
        Assert.Empty(answer.GetProperty("paras").GetProperty("failed_devices").EnumerateArray());
        Assert.Equal(3, await shoal.QueryAsync(db => db.Devices.CountAsync(d => d.GatewayId == gateway.Device.Id)));
    }

    [Fact]
    public async Task AddRequest_IsFollowedByANoticeOfTheAddedDevicesWithANewVersion()
    {
        using var gateway = await GatewayAsync();
        await AddAsync(gateway, "a");

        await gateway.PublishAsync("sys/events/up", Request("add_sub_device_request", AddParas(Product(), "b")));
        await NextEventAsync(gateway);

        var (eventType, notice) = await NextEventAsync(gateway);
        Assert.Equal("add_sub_device_notify", eventType);
        Assert.Equal("b", notice.GetProperty("paras").GetProperty("devices")[0].GetProperty("node_id").GetString());
        Assert.Equal(2, notice.GetProperty("paras").GetProperty("version").GetInt64());
    }

    [Fact]
    public async Task AddRequest_NodeIdTaken_IsAFailedDeviceWhileTheOthersAreAdded()
    {
        using var gateway = await GatewayAsync();
        await AddAsync(gateway, "a");
        var product = Product();

        await gateway.PublishAsync("sys/events/up", Request("add_sub_device_request", AddParas(product, "a", "b")));

        var paras = (await NextEventAsync(gateway)).Service.GetProperty("paras");
        Assert.Equal([$"{product}_b"], paras.GetProperty("successful_devices").EnumerateArray().Select(d => d.GetProperty("device_id").GetString()));
        var failed = paras.GetProperty("failed_devices").EnumerateArray().Single();
        Assert.Equal(("a", product, "DEVICE_EXISTS"),
            (failed.GetProperty("node_id").GetString(), failed.GetProperty("product_id").GetString(), failed.GetProperty("error_code").GetString()));
    }

    [Fact]
    public async Task AddRequest_MoreThan50Devices_IsRefusedAndAddsNothing()
    {
        using var gateway = await GatewayAsync();

        var result = await gateway.PublishAsync("sys/events/up",
            Request("add_sub_device_request", AddParas(Product(), [.. Enumerable.Range(1, 51).Select(i => $"n{i}")])));

        Assert.Equal(MqttClientPublishReasonCode.PayloadFormatInvalid, result.ReasonCode);
        Assert.Contains("50", result.ReasonString, StringComparison.Ordinal);
        Assert.False(await shoal.QueryAsync(db => db.Devices.AnyAsync(d => d.GatewayId == gateway.Device.Id)));
    }

    [Theory]
    [InlineData("add_sub_device_request", """{"devices":{"node_id":"a"}}""")]
    [InlineData("delete_sub_device_request", """{"devices":[{"device_id":"a"}]}""")]
    [InlineData("sub_device_update_status", """{"device_statuses":["a"]}""")]
    public async Task SubDeviceRequest_Malformed_IsRefusedAsAnInvalidPayload(string eventType, string paras)
    {
        using var gateway = await GatewayAsync();

        var result = await gateway.PublishAsync("sys/events/up", Request(eventType, paras));

        Assert.Equal(MqttClientPublishReasonCode.PayloadFormatInvalid, result.ReasonCode);
        Assert.Contains(eventType, result.ReasonString, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BatchReport_ThreeSubDevices_IsStoredAsEachOnesOwnReport()
    {
        using var gateway = await GatewayAsync();
        var ids = await AddAsync(gateway, "a", "b", "c");

        var result = await PublishAsync(gateway, "sys/gateway/sub_devices/properties/report", BatchReport(ids));

        Assert.Equal(MqttClientPublishReasonCode.Success, result.ReasonCode);
        foreach (var (id, kwh) in ids.Select((id, i) => (id, i + 1)))
        {
            var point = await shoal.QueryAsync(db => db.DeviceDataPoints.AsNoTracking().SingleAsync(p => p.DeviceId == id));
            Assert.Equal(("Meter", $$"""{"kwh":{{kwh}}}"""), (point.ServiceId, point.Data));
            Assert.Equal($$"""{"kwh":{{kwh}}}""", await shoal.QueryAsync(db => db.DeviceServiceStates.Where(s => s.DeviceId == id).Select(s => s.Data).SingleAsync()));
            Assert.True(await shoal.QueryAsync(db => db.DeviceEvents.AnyAsync(e => e.DeviceId == id && e.Type == DeviceEventType.PropertiesReported)));
        }
        Assert.False(await shoal.QueryAsync(db => db.DeviceDataPoints.AnyAsync(p => p.DeviceId == gateway.Device.Id)));
    }

    [Fact]
    public async Task BatchReport_OnTheRequestIdTopic_IsStored()
    {
        using var gateway = await GatewayAsync();
        var ids = await AddAsync(gateway, "a");

        await PublishAsync(gateway, "sys/gateway/sub_devices/properties/report?request_id=r-1", BatchReport(ids));

        Assert.True(await shoal.QueryAsync(db => db.DeviceDataPoints.AnyAsync(p => p.DeviceId == ids[0])));
    }

    [Fact]
    public async Task BatchReport_NamingASubDeviceOfAnotherGateway_IsRefusedAndStoresNothing()
    {
        var (app, first) = await shoal.NewDeviceAsync();
        using var gateway = await DeviceInbox.ConnectAsync(shoal, first);
        var own = await AddAsync(gateway, "a");
        using var other = await DeviceInbox.ConnectAsync(shoal, await shoal.RegisterAsync(app.Na, $"gw-{Guid.NewGuid():N}"));
        var foreign = await AddAsync(other, "b");
        await PublishAsync(other, "sys/gateway/sub_devices/properties/report", BatchReport(foreign));

        var result = await PublishAsync(gateway, "sys/gateway/sub_devices/properties/report", BatchReport([own[0], foreign[0]]));

        Assert.Equal(MqttClientPublishReasonCode.NotAuthorized, result.ReasonCode);
        Assert.Contains(foreign[0], result.ReasonString, StringComparison.Ordinal);
        Assert.False(await shoal.QueryAsync(db => db.DeviceDataPoints.AnyAsync(p => p.DeviceId == own[0])));
        Assert.Equal("""{"kwh":1}""", await shoal.QueryAsync(db => db.DeviceServiceStates.Where(s => s.DeviceId == foreign[0]).Select(s => s.Data).SingleAsync()));
    }

    [Fact]
    public async Task BatchReport_NamingASubDeviceOfAnotherApplication_IsRefusedAndStoresNothing()
    {
        using var gateway = await GatewayAsync();
        using var stranger = await GatewayAsync();
        var foreign = await AddAsync(stranger, "a");

        var result = await PublishAsync(gateway, "sys/gateway/sub_devices/properties/report", BatchReport(foreign));

        Assert.Equal(MqttClientPublishReasonCode.NotAuthorized, result.ReasonCode);
        Assert.False(await shoal.QueryAsync(db => db.DeviceDataPoints.AnyAsync(p => p.DeviceId == foreign[0])));
    }

    [Fact]
    public async Task BatchReport_MoreThan100SubDevices_IsRefusedAndStoresNothing()
    {
        using var gateway = await GatewayAsync();
        var ids = await AddAsync(gateway, "a");

        var result = await PublishAsync(gateway, "sys/gateway/sub_devices/properties/report", BatchReport([.. Enumerable.Repeat(ids[0], 101)]));

        Assert.Equal(MqttClientPublishReasonCode.PayloadFormatInvalid, result.ReasonCode);
        Assert.Contains("100", result.ReasonString, StringComparison.Ordinal);
        Assert.False(await shoal.QueryAsync(db => db.DeviceDataPoints.AnyAsync(p => p.DeviceId == ids[0])));
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("""{"devices":[]}""")]
    [InlineData("""{"devices":[{"device_id":"{0}"}]}""")]
    [InlineData("""{"devices":[{"device_id":"{0}","services":[{"service_id":"Meter","properties":{"kwh":1}}]},{"services":[]}]}""")]
    public async Task BatchReport_Malformed_IsRefusedAndStoresNothing(string body)
    {
        using var gateway = await GatewayAsync();
        var ids = await AddAsync(gateway, "a");

        var result = await PublishAsync(gateway, "sys/gateway/sub_devices/properties/report", body.Replace("{0}", ids[0], StringComparison.Ordinal));

        Assert.Equal(MqttClientPublishReasonCode.PayloadFormatInvalid, result.ReasonCode);
        Assert.False(await shoal.QueryAsync(db => db.DeviceDataPoints.AnyAsync(p => p.DeviceId == ids[0])));
    }

    [Fact]
    public async Task BatchReport_IsPushedAsTheSubDevicesDataNamingItsGateway()
    {
        await using var receiver = await PushReceiver.StartAsync();
        var (app, device) = await shoal.NewDeviceAsync();
        await app.Na.SubscribeAsync("deviceDataChanged", receiver.Url());
        using var gateway = await DeviceInbox.ConnectAsync(shoal, device);
        var ids = await AddAsync(gateway, "a");

        await PublishAsync(gateway, "sys/gateway/sub_devices/properties/report", BatchReport(ids));

        var push = JsonDocument.Parse((await receiver.NextAsync()).Body).RootElement;
        Assert.Equal((ids[0], device.Id), (push.GetProperty("deviceId").GetString(), push.GetProperty("gatewayId").GetString()));
        Assert.Equal(1, push.GetProperty("service").GetProperty("data").GetProperty("kwh").GetInt32());
    }

    [Fact]
    public async Task BatchReport_IsInTheNorthboundHistoryOfTheSubDeviceUnderItsGateway()
    {
        var (app, device) = await shoal.NewDeviceAsync();
        using var gateway = await DeviceInbox.ConnectAsync(shoal, device);
        var ids = await AddAsync(gateway, "a");
        await PublishAsync(gateway, "sys/gateway/sub_devices/properties/report", BatchReport(ids));

        var history = await (await app.Na.GetAsync($"/iocm/app/data/v1.2.0/deviceDataHistory?deviceId={ids[0]}&gatewayId={device.Id}")).JsonAsync();

        var point = history.GetProperty("deviceDataHistoryDTOs").EnumerateArray().Single();
        Assert.Equal((ids[0], device.Id), (point.GetProperty("deviceId").GetString(), point.GetProperty("gatewayId").GetString()));
    }

    [Fact]
    public async Task SubDevice_InTheNorthboundApi_IsAnEndpointOfItsGateway()
    {
        var (app, device) = await shoal.NewDeviceAsync();
        using var gateway = await DeviceInbox.ConnectAsync(shoal, device);
        var ids = await AddAsync(gateway, "a");

        var subDevice = await (await app.Na.GetAsync($"/iocm/app/dm/v1.4.0/devices/{ids[0]}")).JsonAsync();

        Assert.Equal((device.Id, "ENDPOINT"), (subDevice.GetProperty("gatewayId").GetString(), subDevice.GetProperty("nodeType").GetString()));
    }

    [Fact]
    public async Task StatusUpdate_Online_SetsTheSubDevicesOnlineWithTheEventsOfAFirstConnection()
    {
        using var gateway = await GatewayAsync();
        var ids = await AddAsync(gateway, "a", "b");

        await gateway.PublishAsync("sys/events/up", Request("sub_device_update_status", StatusParas("ONLINE", ids), eventId: "s-1"));

        var (eventType, answer) = await NextEventAsync(gateway);
        Assert.Equal(("sub_device_update_status_response", "s-1"), (eventType, answer.GetProperty("event_id").GetString()));
        Assert.Equal(ids, answer.GetProperty("paras").GetProperty("successful_devices").EnumerateArray().Select(d => d.GetProperty("device_id").GetString()));
        Assert.Empty(answer.GetProperty("paras").GetProperty("failed_devices").EnumerateArray());
        foreach (var id in ids)
        {
            var subDevice = await shoal.QueryAsync(db => db.Devices.AsNoTracking().SingleAsync(d => d.Id == id));
            Assert.Equal((DeviceStatus.Online, true), (subDevice.Status, subDevice.Activated));
            var events = await shoal.QueryAsync(db => db.DeviceEvents.Where(e => e.DeviceId == id).OrderBy(e => e.Id).Select(e => e.Type).ToListAsync());
            Assert.Equal([DeviceEventType.DeviceBound, DeviceEventType.DeviceAdded, DeviceEventType.StatusChanged], events);
        }
    }

    [Fact]
    public async Task StatusUpdate_Offline_SetsAnOnlineSubDeviceOffline()
    {
        using var gateway = await GatewayAsync();
        var ids = await AddAsync(gateway, "a");
        await SetStatusAsync(gateway, "ONLINE", ids);

        await SetStatusAsync(gateway, "OFFLINE", ids);

        Assert.Equal(DeviceStatus.Offline, await shoal.QueryAsync(db => db.Devices.Where(d => d.Id == ids[0]).Select(d => d.Status).SingleAsync()));
    }

    [Fact]
    public async Task StatusUpdate_DeviceOfAnotherGatewayOrBadStatus_IsAFailedDeviceLeftAsItIs()
    {
        var (app, first) = await shoal.NewDeviceAsync();
        using var gateway = await DeviceInbox.ConnectAsync(shoal, first);
        var own = await AddAsync(gateway, "a");
        using var other = await DeviceInbox.ConnectAsync(shoal, await shoal.RegisterAsync(app.Na, $"gw-{Guid.NewGuid():N}"));
        var foreign = await AddAsync(other, "b");

        await gateway.PublishAsync("sys/events/up", Request("sub_device_update_status",
            $$"""{"device_statuses":[{"device_id":"{{foreign[0]}}","status":"ONLINE"},{"device_id":"{{own[0]}}","status":"AWAKE"}]}"""));

        var paras = (await NextEventAsync(gateway)).Service.GetProperty("paras");
        Assert.Empty(paras.GetProperty("successful_devices").EnumerateArray());
        Assert.Equal([(foreign[0], "NOT_SUB_DEVICE"), (own[0], "INVALID_STATUS")], paras.GetProperty("failed_devices").EnumerateArray()
            .Select(d => (d.GetProperty("device_id").GetString(), d.GetProperty("error_code").GetString())));
        Assert.Equal(2, await shoal.QueryAsync(db => db.Devices.CountAsync(d => (d.Id == own[0] || d.Id == foreign[0]) && d.Status == DeviceStatus.Inactive)));
    }

    [Fact]
    public async Task StatusUpdate_MoreThan100Devices_IsRefused()
    {
        using var gateway = await GatewayAsync();
        var ids = await AddAsync(gateway, "a");

        var result = await gateway.PublishAsync("sys/events/up", Request("sub_device_update_status", StatusParas("ONLINE", [.. Enumerable.Repeat(ids[0], 101)])));

        Assert.Equal(MqttClientPublishReasonCode.PayloadFormatInvalid, result.ReasonCode);
        Assert.Equal(DeviceStatus.Inactive, await shoal.QueryAsync(db => db.Devices.Where(d => d.Id == ids[0]).Select(d => d.Status).SingleAsync()));
    }

    [Fact]
    public async Task GatewayDisconnect_SetsItsOnlineSubDevicesOffline()
    {
        using var gateway = await GatewayAsync();
        var ids = await AddAsync(gateway, "a", "b");
        await SetStatusAsync(gateway, "ONLINE", ids);

        await gateway.Client.DisconnectAsync();

        await shoal.EventuallyAsync(async db => await db.Devices.CountAsync(d => ids.Contains(d.Id) && d.Status == DeviceStatus.Offline) == 2);
        Assert.Equal(2, await shoal.QueryAsync(db => db.DeviceEvents.CountAsync(e => ids.Contains(e.DeviceId) && e.Type == DeviceEventType.StatusChanged
            && e.Payload == DeviceStatusPayload.Offline)));
    }

    [Fact]
    public async Task DeleteRequest_DeletesTheSubDeviceAnswersWithItsIdAndNotices()
    {
        using var gateway = await GatewayAsync();
        var ids = await AddAsync(gateway, "a", "b");

        await gateway.PublishAsync("sys/events/up", Request("delete_sub_device_request", $$"""{"devices":["{{ids[0]}}"]}""", eventId: "d-1"));

        var (eventType, answer) = await NextEventAsync(gateway);
        Assert.Equal(("delete_sub_device_response", "d-1"), (eventType, answer.GetProperty("event_id").GetString()));
        Assert.Equal([ids[0]], answer.GetProperty("paras").GetProperty("successful_devices").EnumerateArray().Select(d => d.GetString()));
        var (noticeType, notice) = await NextEventAsync(gateway);
        Assert.Equal(("delete_sub_device_notify", 2), (noticeType, notice.GetProperty("paras").GetProperty("version").GetInt64()));
        Assert.Equal([ids[1]], await shoal.QueryAsync(db => db.Devices.Where(d => d.GatewayId == gateway.Device.Id).Select(d => d.Id).ToListAsync()));
    }

    [Fact]
    public async Task DeleteRequest_DeviceOfAnotherGateway_IsAFailedDeviceAndNotDeleted()
    {
        var (app, first) = await shoal.NewDeviceAsync();
        using var gateway = await DeviceInbox.ConnectAsync(shoal, first);
        using var other = await DeviceInbox.ConnectAsync(shoal, await shoal.RegisterAsync(app.Na, $"gw-{Guid.NewGuid():N}"));
        var foreign = await AddAsync(other, "b");

        await gateway.PublishAsync("sys/events/up", Request("delete_sub_device_request", $$"""{"devices":["{{foreign[0]}}"]}"""));

        var failed = (await NextEventAsync(gateway)).Service.GetProperty("paras").GetProperty("failed_devices").EnumerateArray().Single();
        Assert.Equal((foreign[0], "NOT_SUB_DEVICE"), (failed.GetProperty("device_id").GetString(), failed.GetProperty("error_code").GetString()));
        Assert.True(await shoal.QueryAsync(db => db.Devices.AnyAsync(d => d.Id == foreign[0])));
    }

    [Theory]
    [InlineData("$sub_device_manager")]
    [InlineData("sub_device_manager")]
    public async Task SyncRequest_IsAnsweredWithANoticeOfEverySubDeviceAndTheVersion(string serviceId)
    {
        using var gateway = await GatewayAsync();
        var ids = await AddAsync(gateway, "a", "b");

        await gateway.PublishAsync("sys/events/up", Request("sub_device_sync_request", """{"version":0}""", serviceId: serviceId));

        var (eventType, notice) = await NextEventAsync(gateway);
        Assert.Equal("add_sub_device_notify", eventType);
        Assert.Equal(ids, notice.GetProperty("paras").GetProperty("devices").EnumerateArray().Select(d => d.GetProperty("device_id").GetString()));
        Assert.Equal(1, notice.GetProperty("paras").GetProperty("version").GetInt64());
    }

    [Fact]
    public async Task MessageUp_NamingASubDevice_IsStoredAsThatDevicesMessage()
    {
        using var gateway = await GatewayAsync();
        var ids = await AddAsync(gateway, "a");

        await gateway.PublishAsync("sys/messages/up", $$"""{"object_device_id":"{{ids[0]}}","name":"","id":"","content":"door open"}""");

        var message = await shoal.QueryAsync(db => db.DeviceEvents.SingleAsync(e => e.Type == DeviceEventType.MessageUp && e.DeviceId == ids[0]));
        Assert.Contains("door open", message.Payload, StringComparison.Ordinal);
        Assert.False(await shoal.QueryAsync(db => db.DeviceEvents.AnyAsync(e => e.Type == DeviceEventType.MessageUp && e.DeviceId == gateway.Device.Id)));
    }

    [Fact]
    public async Task MessageUp_NamingADeviceThatIsNotItsSubDevice_IsRefusedAndStoresNothing()
    {
        using var gateway = await GatewayAsync();
        using var stranger = await GatewayAsync();

        var result = await gateway.PublishAsync("sys/messages/up", $$"""{"object_device_id":"{{stranger.Device.Id}}","content":"door open"}""");

        Assert.Equal(MqttClientPublishReasonCode.NotAuthorized, result.ReasonCode);
        Assert.False(await shoal.QueryAsync(db => db.DeviceEvents.AnyAsync(e => e.Type == DeviceEventType.MessageUp
            && (e.DeviceId == stranger.Device.Id || e.DeviceId == gateway.Device.Id))));
    }

    [Fact]
    public async Task EventsUp_NamingASubDevice_IsStoredAsThatDevicesEvent()
    {
        using var gateway = await GatewayAsync();
        var ids = await AddAsync(gateway, "a");

        await gateway.PublishAsync("sys/events/up",
            $$$"""{"object_device_id":"{{{ids[0]}}}","services":[{"service_id":"$ota","event_type":"version_report","paras":{"fw_version":"v1.0"}}]}""");

        Assert.True(await shoal.QueryAsync(db => db.DeviceEvents.AnyAsync(e => e.Type == DeviceEventType.EventReported && e.DeviceId == ids[0])));
    }

    [Fact]
    public async Task RegisterThroughTheManagementApi_WithAConnectedGateway_TellsItWithANotice()
    {
        var (app, device) = await shoal.NewDeviceAsync();
        using var gateway = await DeviceInbox.ConnectAsync(shoal, device);

        var created = await (await app.Owner.Client.PostAsJsonAsync($"{Route}/{app.Id}/devices", new { nodeId = "meter-1", gatewayId = device.Id }))
            .JsonAsync(HttpStatusCode.Created);

        var (eventType, notice) = await NextEventAsync(gateway);
        Assert.Equal("add_sub_device_notify", eventType);
        var added = notice.GetProperty("paras").GetProperty("devices").EnumerateArray().Single();
        Assert.Equal(created.GetProperty("device").GetProperty("id").GetString(), added.GetProperty("device_id").GetString());
        Assert.Equal(1, notice.GetProperty("paras").GetProperty("version").GetInt64());
    }

    [Fact]
    public async Task DeleteThroughTheManagementApi_TellsTheConnectedGatewayWithANotice()
    {
        var (app, device) = await shoal.NewDeviceAsync();
        using var gateway = await DeviceInbox.ConnectAsync(shoal, device);
        var ids = await AddAsync(gateway, "a");

        var deleted = await app.Owner.Client.DeleteAsync($"{Route}/{app.Id}/devices/{ids[0]}");

        Assert.True(deleted.IsSuccessStatusCode);
        var (eventType, notice) = await NextEventAsync(gateway);
        Assert.Equal("delete_sub_device_notify", eventType);
        Assert.Equal(ids[0], notice.GetProperty("paras").GetProperty("devices")[0].GetProperty("device_id").GetString());
    }

    [Fact]
    public async Task SubDevice_ConnectingItself_IsRefusedAsNotAuthorized()
    {
        var (app, device) = await shoal.NewDeviceAsync();
        var created = await (await app.Owner.Client.PostAsJsonAsync($"{Route}/{app.Id}/devices", new { nodeId = "meter-1", gatewayId = device.Id }))
            .JsonAsync(HttpStatusCode.Created);
        var subDevice = new TestDevice(created.GetProperty("device").GetProperty("id").GetString()!, created.GetProperty("secret").GetString()!);

        var (client, result) = await shoal.TryConnectAsync(subDevice);

        using (client)
        {
            Assert.Equal(MqttClientConnectResultCode.NotAuthorized, result.ResultCode);
        }
    }

    [Fact]
    public async Task Command_ForASubDevice_GoesToItsGatewayWhoseAnswerCompletesIt()
    {
        var (app, device) = await shoal.NewDeviceAsync();
        using var gateway = await DeviceInbox.ConnectAsync(shoal, device);
        var subDevice = (await AddAsync(gateway, "a"))[0];

        var commandId = await SendCommandAsync(app, subDevice);
        var (topic, payload) = await gateway.NextAsync();
        var answered = await gateway.RespondAsync(commandId, """{"result_code":0,"paras":{"done":true}}""");

        Assert.Equal(gateway.Device.Topic($"sys/commands/request_id={commandId}"), topic);
        Assert.Equal(subDevice, JsonDocument.Parse(payload).RootElement.GetProperty("object_device_id").GetString());
        Assert.Equal(MqttClientPublishReasonCode.Success, answered.ReasonCode);
        Assert.Equal(DeviceCommandStatus.Successful, await CommandStatusAsync(commandId));
    }

    [Fact]
    public async Task CommandResponse_FromAnotherGatewayOfTheApplication_LeavesTheSubDevicesCommandAsItWas()
    {
        var (app, device) = await shoal.NewDeviceAsync();
        using var gateway = await DeviceInbox.ConnectAsync(shoal, device);
        var subDevice = (await AddAsync(gateway, "a"))[0];
        using var neighbour = await DeviceInbox.ConnectAsync(shoal, await shoal.RegisterAsync(app.Na, "neighbour"));
        var commandId = await SendCommandAsync(app, subDevice);
        await gateway.NextAsync();
        await shoal.EventuallyAsync(db => db.DeviceCommands.AnyAsync(c => c.Id == commandId && c.Status == DeviceCommandStatus.Delivered));

        await neighbour.RespondAsync(commandId, """{"result_code":1}""");

        Assert.Equal(DeviceCommandStatus.Delivered, await CommandStatusAsync(commandId));
    }

    /// <summary>A command for the device through the application's NA; returns its ID.</summary>
    private static async Task<string> SendCommandAsync(NaApplication app, string deviceId)
    {
        var created = await (await app.Na.SendAsync(HttpMethod.Post, Commands.DeviceCommandTests<SqliteDatabase>.CommandsPath,
            new { deviceId, command = new { serviceId = "Switch", method = "SET", paras = new { on = true } } })).JsonAsync(HttpStatusCode.Created);
        return created.GetProperty("commandId").GetString()!;
    }

    private Task<DeviceCommandStatus> CommandStatusAsync(string commandId) =>
        shoal.QueryAsync(db => db.DeviceCommands.Where(c => c.Id == commandId).Select(c => c.Status).SingleAsync());

    private async Task<DeviceInbox> GatewayAsync()
    {
        var (_, device) = await shoal.NewDeviceAsync();
        return await DeviceInbox.ConnectAsync(shoal, device);
    }

    /// <summary>Adds sub-devices through the gateway, reading its answer and notice; returns their device IDs.</summary>
    private static async Task<string[]> AddAsync(DeviceInbox gateway, params string[] nodeIds)
    {
        await gateway.PublishAsync("sys/events/up", Request("add_sub_device_request", AddParas(Product(), nodeIds)));
        var (_, answer) = await NextEventAsync(gateway);
        await NextEventAsync(gateway);
        return [.. answer.GetProperty("paras").GetProperty("successful_devices").EnumerateArray().Select(d => d.GetProperty("device_id").GetString()!)];
    }

    private static async Task SetStatusAsync(DeviceInbox gateway, string status, string[] ids)
    {
        await gateway.PublishAsync("sys/events/up", Request("sub_device_update_status", StatusParas(status, ids)));
        await NextEventAsync(gateway);
    }

    /// <summary>The next event down the gateway was sent, from its sub-device management.</summary>
    private static async Task<(string EventType, JsonElement Service)> NextEventAsync(DeviceInbox gateway)
    {
        var (topic, payload) = await gateway.NextAsync();
        Assert.Equal(gateway.Device.Topic("sys/events/down"), topic);
        var root = JsonDocument.Parse(payload).RootElement;
        Assert.Equal(gateway.Device.Id, root.GetProperty("object_device_id").GetString());
        var service = root.GetProperty("services")[0];
        Assert.Equal("$sub_device_manager", service.GetProperty("service_id").GetString());
        return (service.GetProperty("event_type").GetString()!, service);
    }

    private static Task<MqttClientPublishResult> PublishAsync(DeviceInbox gateway, string topic, string body) =>
        gateway.Client.PublishAsync(new MqttApplicationMessageBuilder().WithTopic(gateway.Device.Topic(topic)).WithPayload(body)
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build());

    /// <summary>A product ID of the test's own, so that the device IDs made from it are new.</summary>
    private static string Product() => $"p{Guid.NewGuid():N}";

    private static string Request(string eventType, string paras, string eventId = "e-1", string serviceId = "$sub_device_manager") =>
        $$"""{"object_device_id":"","services":[{"service_id":"{{serviceId}}","event_type":"{{eventType}}","event_time":"20261205T101500Z","event_id":"{{eventId}}","paras":{{paras}}}]}""";

    private static string AddParas(string product, params string[] nodeIds) =>
        $$"""{"devices":[{{string.Join(',', nodeIds.Select(node => $$"""{"node_id":"{{node}}","product_id":"{{product}}"}"""))}}]}""";

    private static string StatusParas(string status, string[] ids) =>
        $$"""{"device_statuses":[{{string.Join(',', ids.Select(id => $$"""{"device_id":"{{id}}","status":"{{status}}"}"""))}}]}""";

    /// <summary>One Meter report per device, kwh counting from 1.</summary>
    private static string BatchReport(string[] ids) =>
        $$"""{"devices":[{{string.Join(',', ids.Select((id, i) => $$$"""{"device_id":"{{{id}}}","services":[{"service_id":"Meter","properties":{"kwh":{{{i + 1}}}},"event_time":"20261205T101500Z"}]}"""))}}]}""";
}

public sealed class SubDeviceTestsOnSqlite(PushApplication<SqliteDatabase> shoal) : SubDeviceTests<SqliteDatabase>(shoal);

public sealed class SubDeviceTestsOnPostgres(PushApplication<PostgresDatabase> shoal) : SubDeviceTests<PostgresDatabase>(shoal);
