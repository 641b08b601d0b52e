using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using MQTTnet;
using MQTTnet.Formatter;
using Shoal.Server.Tests.Infrastructure;
using Shoal.Storage.Entities;

namespace Shoal.Server.Tests.Gateway;

/// <summary>What a device asks for on <c>sys/events/up</c>: time sync is answered, services Shoal does not offer are refused by name.</summary>
public abstract class SystemEventTests<TDatabase>(GatewayApplication<TDatabase> shoal) : IClassFixture<GatewayApplication<TDatabase>>
    where TDatabase : ITestDatabase, new()
{
    private const string TimeSyncRequest = """
        {"object_device_id":"","services":[{"service_id":"$time_sync","event_type":"time_sync_request","event_id":"e-1","paras":{"device_send_time":"1649681364061"}}]}
        """;

    [Fact]
    public async Task TimeSync_Request_IsAnsweredOnEventsDownWithThePlatformsTimeInMilliseconds()
    {
        var (_, device) = await shoal.NewDeviceAsync();
        using var inbox = await DeviceInbox.ConnectAsync(shoal, device, protocol: MqttProtocolVersion.V311);
        var now = shoal.Time.GetUtcNow().ToUnixTimeMilliseconds();

        await inbox.PublishAsync("sys/events/up", TimeSyncRequest);

        var (topic, payload) = await inbox.NextAsync();
        Assert.Equal(device.Topic("sys/events/down"), topic);
        var answer = JsonDocument.Parse(payload).RootElement;
        var service = answer.GetProperty("services")[0];
        Assert.Equal(device.Id, answer.GetProperty("object_device_id").GetString());
        Assert.Equal(("$time_sync", "time_sync_response", "e-1"),
            (service.GetProperty("service_id").GetString(), service.GetProperty("event_type").GetString(), service.GetProperty("event_id").GetString()));
        var paras = service.GetProperty("paras");
        Assert.Equal(1649681364061, paras.GetProperty("device_send_time").GetInt64());
        Assert.Equal(now, paras.GetProperty("server_recv_time").GetInt64());
        Assert.Equal(now, paras.GetProperty("server_send_time").GetInt64());
    }

    [Fact]
    public async Task TimeSync_Request_IsNotStoredAsADeviceEvent()
    {
        var (_, device) = await shoal.NewDeviceAsync();
        using var inbox = await DeviceInbox.ConnectAsync(shoal, device);

        await inbox.PublishAsync("sys/events/up", TimeSyncRequest);
        await inbox.NextAsync();

        Assert.False(await shoal.QueryAsync(db => db.DeviceEvents.AnyAsync(e => e.DeviceId == device.Id && e.Type == DeviceEventType.EventReported)));
    }

    [Fact]
    public async Task SdkInformation_IsStoredAsADeviceEvent()
    {
        var (_, device) = await shoal.NewDeviceAsync();
        using var inbox = await DeviceInbox.ConnectAsync(shoal, device);

        var result = await inbox.PublishAsync("sys/events/up",
            """{"services":[{"service_id":"$sdk_info","event_type":"sdk_info_report","paras":{"device_sdk_version":"1.2.1"}}]}""");

        Assert.Equal(MqttClientPublishReasonCode.Success, result.ReasonCode);
        Assert.True(await shoal.QueryAsync(db => db.DeviceEvents.AnyAsync(e => e.DeviceId == device.Id && e.Type == DeviceEventType.EventReported)));
    }

    [Fact]
    public async Task FileTransferRequest_IsRefusedByNameAndNothingIsStored()
    {
        var (_, device) = await shoal.NewDeviceAsync();
        using var inbox = await DeviceInbox.ConnectAsync(shoal, device);

        var result = await inbox.PublishAsync("sys/events/up", FileUploadRequest);

        Assert.Equal(MqttClientPublishReasonCode.ImplementationSpecificError, result.ReasonCode);
        Assert.Contains("$file_manager", result.ReasonString, StringComparison.Ordinal);
        Assert.False(await shoal.QueryAsync(db => db.DeviceEvents.AnyAsync(e => e.DeviceId == device.Id && e.Type == DeviceEventType.EventReported)));
    }

    [Fact]
    public async Task FileTransferRequestOnMqtt311_KeepsTheConnectionOpen()
    {
        var (_, device) = await shoal.NewDeviceAsync();
        using var inbox = await DeviceInbox.ConnectAsync(shoal, device, protocol: MqttProtocolVersion.V311);

        await inbox.PublishAsync("sys/events/up", FileUploadRequest);
        var report = await inbox.Client.ReportAsync(device, """{"services":[{"service_id":"Meter","properties":{"kwh":1}}]}""");

        Assert.True(inbox.Client.IsConnected);
        Assert.Equal(MqttClientPublishReasonCode.Success, report.ReasonCode);
        Assert.True(await shoal.QueryAsync(db => db.DeviceEvents.AnyAsync(e => e.DeviceId == device.Id && e.Type == DeviceEventType.PropertiesReported)));
    }

    [Fact]
    public async Task SystemTopicShoalDoesNotOffer_IsRefusedAsAnInvalidTopic()
    {
        var (_, device) = await shoal.NewDeviceAsync();
        using var inbox = await DeviceInbox.ConnectAsync(shoal, device);

        var result = await inbox.PublishAsync("sys/bootstrap/up", """{"baseStrategyKeyword":"x"}""");

        Assert.Equal(MqttClientPublishReasonCode.TopicNameInvalid, result.ReasonCode);
        Assert.Contains("sys/bootstrap/up", result.ReasonString, StringComparison.Ordinal);
    }

    private const string FileUploadRequest = """
        {"services":[{"service_id":"$file_manager","event_type":"get_upload_url","paras":{"file_name":"a.log","file_attributes":{"size":10}}}]}
        """;
}

public sealed class SystemEventTestsOnSqlite(GatewayApplication<SqliteDatabase> shoal) : SystemEventTests<SqliteDatabase>(shoal);

public sealed class SystemEventTestsOnPostgres(GatewayApplication<PostgresDatabase> shoal) : SystemEventTests<PostgresDatabase>(shoal);
