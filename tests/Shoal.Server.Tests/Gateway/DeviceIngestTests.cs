using Microsoft.EntityFrameworkCore;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;
using Shoal.Server.Tests.Infrastructure;
using Shoal.Storage.Entities;

namespace Shoal.Server.Tests.Gateway;

/// <summary>What devices publish: stored before the PUBACK, or refused; and only under their own topics.</summary>
public abstract class DeviceIngestTests<TDatabase>(GatewayApplication<TDatabase> shoal) : IClassFixture<GatewayApplication<TDatabase>>
    where TDatabase : ITestDatabase, new()
{
    private const string Report = """{"services":[{"service_id":"Temperature","properties":{"value":21.5},"event_time":"20261125T101500Z"}]}""";
    private static readonly DateTimeOffset ReportTime = new(2026, 11, 25, 10, 15, 0, TimeSpan.Zero);

    [Fact]
    public async Task Report_WhenPubAckArrives_IsInHistoryLatestValuesAndEventLog()
    {
        var (app, device) = await shoal.NewDeviceAsync();
        using var client = await shoal.ConnectAsync(device);

        var result = await client.ReportAsync(device, Report);

        Assert.Equal(MqttClientPublishReasonCode.Success, result.ReasonCode);
        var point = await shoal.QueryAsync(db => db.DeviceDataPoints.AsNoTracking().SingleAsync(p => p.DeviceId == device.Id));
        Assert.Equal((app.Id, "Temperature", ReportTime), (point.ApplicationId, point.ServiceId, point.EventTime));
        Assert.Equal("""{"value":21.5}""", point.Data);
        var state = await shoal.QueryAsync(db => db.DeviceServiceStates.AsNoTracking().SingleAsync(s => s.DeviceId == device.Id));
        Assert.Equal(("Temperature", """{"value":21.5}"""), (state.ServiceId, state.Data));
        var reported = await shoal.QueryAsync(db => db.DeviceEvents.AsNoTracking().SingleAsync(e => e.DeviceId == device.Id && e.Type == DeviceEventType.PropertiesReported));
        Assert.Contains("\"serviceId\":\"Temperature\"", reported.Payload, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Report_WithoutEventTime_IsStoredAtTheReceiveTime()
    {
        var (_, device) = await shoal.NewDeviceAsync();
        using var client = await shoal.ConnectAsync(device);

        await client.ReportAsync(device, """{"services":[{"service_id":"Temperature","properties":{"value":3}}]}""");

        var point = await shoal.QueryAsync(db => db.DeviceDataPoints.AsNoTracking().SingleAsync(p => p.DeviceId == device.Id));
        Assert.Equal(shoal.Time.GetUtcNow(), point.EventTime, TimeSpan.FromMilliseconds(1));
    }

    [Theory]
    [InlineData("20261125T101500Z", "2026-11-25T10:15:00.000Z")]
    [InlineData("2026-11-25T10:15:00Z", "2026-11-25T10:15:00.000Z")]
    [InlineData("2026-11-25T10:15:00.555Z", "2026-11-25T10:15:00.555Z")]
    public async Task Report_EventTimeInEachFormTheReferenceAccepts_IsStoredAtThatTime(string eventTime, string stored)
    {
        var (_, device) = await shoal.NewDeviceAsync();
        using var client = await shoal.ConnectAsync(device);

        await client.ReportAsync(device, $$$"""{"services":[{"service_id":"Temperature","properties":{"value":3},"event_time":"{{{eventTime}}}"}]}""");

        var point = await shoal.QueryAsync(db => db.DeviceDataPoints.AsNoTracking().SingleAsync(p => p.DeviceId == device.Id));
        Assert.Equal(DateTimeOffset.Parse(stored, System.Globalization.CultureInfo.InvariantCulture), point.EventTime);
    }

    [Theory]
    [InlineData("\"yesterday\"")]
    [InlineData("\"2026-11-25 10:15:00\"")]
    [InlineData("20261125")]
    public async Task Report_EventTimeUnreadable_IsStoredAtTheReceiveTime(string eventTime)
    {
        var (_, device) = await shoal.NewDeviceAsync();
        using var client = await shoal.ConnectAsync(device);

        await client.ReportAsync(device, $$$"""{"services":[{"service_id":"Temperature","properties":{"value":3},"event_time":{{{eventTime}}}}]}""");

        var point = await shoal.QueryAsync(db => db.DeviceDataPoints.AsNoTracking().SingleAsync(p => p.DeviceId == device.Id));
        Assert.Equal(shoal.Time.GetUtcNow(), point.EventTime, TimeSpan.FromMilliseconds(1));
    }

    [Fact]
    public async Task Report_OnTheTopicWithARequestId_IsStored()
    {
        var (_, device) = await shoal.NewDeviceAsync();
        using var client = await shoal.ConnectAsync(device);

        var result = await client.PublishAsync(new MqttApplicationMessageBuilder()
            .WithTopic(device.Topic("sys/properties/report?request_id=r-42"))
            .WithPayload("""{"services":[{"service_id":"Temperature","properties":{"value":3}}]}""")
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .Build());

        Assert.Equal(MqttClientPublishReasonCode.Success, result.ReasonCode);
        Assert.True(await shoal.QueryAsync(db => db.DeviceDataPoints.AnyAsync(p => p.DeviceId == device.Id && p.ServiceId == "Temperature")));
    }

    [Fact]
    public async Task MessageUp_OnTheTopicWithARequestId_IsInTheEventLog()
    {
        var (_, device) = await shoal.NewDeviceAsync();
        using var client = await shoal.ConnectAsync(device);

        var result = await client.PublishAsync(new MqttApplicationMessageBuilder()
            .WithTopic(device.Topic("sys/messages/up?request_id=r-43"))
            .WithPayload("""{"hello":1}""")
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .Build());

        Assert.Equal(MqttClientPublishReasonCode.Success, result.ReasonCode);
        Assert.True(await shoal.QueryAsync(db => db.DeviceEvents.AnyAsync(e => e.DeviceId == device.Id && e.Type == DeviceEventType.MessageUp)));
    }

    [Theory]
    [InlineData("sys/properties/report?encoding=gzip")]
    [InlineData("sys/properties/report?request_id=r-44&encoding=gzip")]
    public async Task Report_GzippedOnTheEncodingTopic_IsStoredInflated(string path)
    {
        var (_, device) = await shoal.NewDeviceAsync();
        using var client = await shoal.ConnectAsync(device);

        var result = await PublishAsync(client, device.Topic(path), Gzip(Report));

        Assert.Equal(MqttClientPublishReasonCode.Success, result.ReasonCode);
        var point = await shoal.QueryAsync(db => db.DeviceDataPoints.AsNoTracking().SingleAsync(p => p.DeviceId == device.Id));
        Assert.Equal(("Temperature", """{"value":21.5}"""), (point.ServiceId, point.Data));
    }

    [Fact]
    public async Task MessageUp_GzippedOnTheEncodingTopic_IsStoredInflated()
    {
        var (_, device) = await shoal.NewDeviceAsync();
        using var client = await shoal.ConnectAsync(device);

        var result = await PublishAsync(client, device.Topic("sys/messages/up?encoding=gzip"), Gzip("""{"hello":1}"""));

        Assert.Equal(MqttClientPublishReasonCode.Success, result.ReasonCode);
        var message = await shoal.QueryAsync(db => db.DeviceEvents.AsNoTracking().SingleAsync(e => e.DeviceId == device.Id && e.Type == DeviceEventType.MessageUp));
        Assert.Equal("""{"message":{"hello":1}}""", message.Payload);
    }

    [Fact]
    public async Task Report_OnTheEncodingTopicButNotGzip_IsRefusedAndNothingIsStored()
    {
        var (_, device) = await shoal.NewDeviceAsync();
        using var client = await shoal.ConnectAsync(device);

        var result = await PublishAsync(client, device.Topic("sys/properties/report?encoding=gzip"), System.Text.Encoding.UTF8.GetBytes(Report));

        Assert.Equal(MqttClientPublishReasonCode.PayloadFormatInvalid, result.ReasonCode);
        Assert.False(await shoal.QueryAsync(db => db.DeviceDataPoints.AnyAsync(p => p.DeviceId == device.Id)));
    }

    [Fact]
    public async Task MessageUp_GzipInflatingPastThePayloadLimit_IsRefusedAndNothingIsStored()
    {
        var (_, device) = await shoal.NewDeviceAsync();
        using var client = await shoal.ConnectAsync(device);
        var bomb = Gzip(new string(' ', 262_145));

        var result = await PublishAsync(client, device.Topic("sys/messages/up?encoding=gzip"), bomb);

        Assert.True(bomb.Length < 2_000);
        Assert.Equal(MqttClientPublishReasonCode.PayloadFormatInvalid, result.ReasonCode);
        Assert.False(await shoal.QueryAsync(db => db.DeviceEvents.AnyAsync(e => e.DeviceId == device.Id && e.Type == DeviceEventType.MessageUp)));
    }

    private static Task<MqttClientPublishResult> PublishAsync(IMqttClient client, string topic, byte[] payload) =>
        client.PublishAsync(new MqttApplicationMessageBuilder()
            .WithTopic(topic)
            .WithPayload(payload)
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .Build());

    private static byte[] Gzip(string text)
    {
        using var compressed = new MemoryStream();
        using (var gzip = new System.IO.Compression.GZipStream(compressed, System.IO.Compression.CompressionLevel.Optimal))
        {
            gzip.Write(System.Text.Encoding.UTF8.GetBytes(text));
        }
        return compressed.ToArray();
    }

    [Fact]
    public async Task Report_DataManagementOff_StoresNoHistoryButTheLatestValueAndTheEvent()
    {
        var (_, device) = await shoal.NewDeviceAsync(("dataManagement", false));
        using var client = await shoal.ConnectAsync(device);

        var result = await client.ReportAsync(device, Report);

        Assert.Equal(MqttClientPublishReasonCode.Success, result.ReasonCode);
        Assert.False(await shoal.QueryAsync(db => db.DeviceDataPoints.AnyAsync(p => p.DeviceId == device.Id)));
        Assert.True(await shoal.QueryAsync(db => db.DeviceServiceStates.AnyAsync(s => s.DeviceId == device.Id)));
        Assert.True(await shoal.QueryAsync(db => db.DeviceEvents.AnyAsync(e => e.DeviceId == device.Id && e.Type == DeviceEventType.PropertiesReported)));
    }

    [Fact]
    public async Task Report_NewerValue_ReplacesTheLatestValue()
    {
        var (_, device) = await shoal.NewDeviceAsync();
        using var client = await shoal.ConnectAsync(device);

        await client.ReportAsync(device, Report);
        await client.ReportAsync(device, Report.Replace("21.5", "22.0", StringComparison.Ordinal).Replace("101500Z", "101600Z", StringComparison.Ordinal));

        var state = await shoal.QueryAsync(db => db.DeviceServiceStates.AsNoTracking().SingleAsync(s => s.DeviceId == device.Id));
        Assert.Equal("""{"value":22.0}""", state.Data);
        Assert.Equal(2, await shoal.QueryAsync(db => db.DeviceDataPoints.CountAsync(p => p.DeviceId == device.Id)));
    }

    [Fact]
    public async Task Report_OlderThanTheLatestValue_LeavesTheLatestValueAndKeepsTheHistory()
    {
        var (_, device) = await shoal.NewDeviceAsync();
        using var client = await shoal.ConnectAsync(device);

        await client.ReportAsync(device, Report.Replace("21.5", "22.0", StringComparison.Ordinal).Replace("101500Z", "101600Z", StringComparison.Ordinal));
        var result = await client.ReportAsync(device, Report);

        Assert.Equal(MqttClientPublishReasonCode.Success, result.ReasonCode);
        var state = await shoal.QueryAsync(db => db.DeviceServiceStates.AsNoTracking().SingleAsync(s => s.DeviceId == device.Id));
        Assert.Equal(("""{"value":22.0}""", ReportTime.AddMinutes(1)), (state.Data, state.EventTime));
        Assert.Equal(2, await shoal.QueryAsync(db => db.DeviceDataPoints.CountAsync(p => p.DeviceId == device.Id)));
    }

    [Fact]
    public async Task MessageUp_IsInTheEventLogWhenPubAckArrives()
    {
        var (_, device) = await shoal.NewDeviceAsync();
        using var client = await shoal.ConnectAsync(device);

        var result = await client.PublishAsync(new MqttApplicationMessageBuilder()
            .WithTopic(device.Topic("sys/messages/up")).WithPayload("""{"door":"open"}""").WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build());

        Assert.Equal(MqttClientPublishReasonCode.Success, result.ReasonCode);
        var message = await shoal.QueryAsync(db => db.DeviceEvents.AsNoTracking().SingleAsync(e => e.DeviceId == device.Id && e.Type == DeviceEventType.MessageUp));
        Assert.Equal("""{"message":{"door":"open"}}""", message.Payload);
    }

    [Fact]
    public async Task Report_MalformedJson_IsRefusedAndNothingIsStored()
    {
        var (_, device) = await shoal.NewDeviceAsync();
        using var client = await shoal.ConnectAsync(device);

        var result = await client.ReportAsync(device, """{"services":[{"service_id":"Temperature","properties":""");

        Assert.Equal(MqttClientPublishReasonCode.PayloadFormatInvalid, result.ReasonCode);
        Assert.False(await shoal.QueryAsync(db => db.DeviceEvents.AnyAsync(e => e.DeviceId == device.Id && e.Type == DeviceEventType.PropertiesReported)));
    }

    [Fact]
    public async Task Report_MalformedJsonOnMqtt311_ClosesTheConnection()
    {
        var (_, device) = await shoal.NewDeviceAsync();
        using var client = await shoal.ConnectAsync(device, MqttProtocolVersion.V311);
        var closed = new TaskCompletionSource();
        client.DisconnectedAsync += _ =>
        {
            closed.TrySetResult();
            return Task.CompletedTask;
        };

        await Assert.ThrowsAnyAsync<Exception>(() => client.ReportAsync(device, "not json"));

        await closed.Task.WaitAsync(TimeSpan.FromMinutes(1));
        Assert.False(await shoal.QueryAsync(db => db.DeviceEvents.AnyAsync(e => e.DeviceId == device.Id && e.Type == DeviceEventType.PropertiesReported)));
    }

    [Fact]
    public async Task Report_LargerThanTheLimit_IsRefused()
    {
        var (_, device) = await shoal.NewDeviceAsync();
        using var client = await shoal.ConnectAsync(device);
        var padding = new string('x', 256 * 1024);

        var result = await client.ReportAsync(device, $$$"""{"services":[{"service_id":"Blob","properties":{"value":"{{{padding}}}"}}]}""");

        Assert.Equal(MqttClientPublishReasonCode.QuotaExceeded, result.ReasonCode);
    }

    [Fact]
    public async Task Publish_OverThePerDeviceRate_IsRefusedUntilTheNextSecond()
    {
        var (_, device) = await shoal.NewDeviceAsync();
        using var client = await shoal.ConnectAsync(device);
        var up = new MqttApplicationMessageBuilder().WithTopic(device.Topic("sys/messages/up")).WithPayload("{}")
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build();
        for (var i = 0; i < 100; i++)
        {
            Assert.Equal(MqttClientPublishReasonCode.Success, (await client.PublishAsync(up)).ReasonCode);
        }

        var over = await client.PublishAsync(up);
        shoal.Time.Advance(TimeSpan.FromSeconds(1));
        var nextSecond = await client.PublishAsync(up);

        Assert.Equal(MqttClientPublishReasonCode.QuotaExceeded, over.ReasonCode);
        Assert.Equal(MqttClientPublishReasonCode.Success, nextSecond.ReasonCode);
    }

    [Fact]
    public async Task Publish_QoS2_IsRefused()
    {
        var (_, device) = await shoal.NewDeviceAsync();
        using var client = await shoal.ConnectAsync(device);

        var result = await client.PublishAsync(new MqttApplicationMessageBuilder()
            .WithTopic(device.Topic("sys/properties/report")).WithPayload(Report).WithQualityOfServiceLevel(MqttQualityOfServiceLevel.ExactlyOnce).Build());

        Assert.False(result.IsSuccess);
        Assert.False(await shoal.QueryAsync(db => db.DeviceDataPoints.AnyAsync(p => p.DeviceId == device.Id)));
    }

    [Fact]
    public async Task Publish_ToAnotherDevicesTopic_IsRefused()
    {
        var (app, device) = await shoal.NewDeviceAsync();
        var other = await shoal.RegisterAsync(app.Na, "other-node");
        using var client = await shoal.ConnectAsync(device);

        var result = await client.ReportAsync(other, Report);

        Assert.Equal(MqttClientPublishReasonCode.NotAuthorized, result.ReasonCode);
        Assert.False(await shoal.QueryAsync(db => db.DeviceDataPoints.AnyAsync(p => p.DeviceId == other.Id || p.DeviceId == device.Id)));
    }

    [Fact]
    public async Task Subscribe_ToAnotherDevicesTopic_IsRefused()
    {
        var (app, device) = await shoal.NewDeviceAsync();
        var other = await shoal.RegisterAsync(app.Na, "other-node");
        using var client = await shoal.ConnectAsync(device);

        var result = await client.SubscribeAsync(other.Topic("sys/messages/down"));

        Assert.Equal(MqttClientSubscribeResultCode.NotAuthorized, result.Items.Single().ResultCode);
    }

    [Fact]
    public async Task Subscribe_ToItsOwnTopics_IsGranted()
    {
        var (_, device) = await shoal.NewDeviceAsync();
        using var client = await shoal.ConnectAsync(device);

        var result = await client.SubscribeAsync(device.Topic("sys/#"), MqttQualityOfServiceLevel.AtLeastOnce);

        Assert.Equal(MqttClientSubscribeResultCode.GrantedQoS1, result.Items.Single().ResultCode);
    }
}

public sealed class DeviceIngestTestsOnSqlite(GatewayApplication<SqliteDatabase> shoal) : DeviceIngestTests<SqliteDatabase>(shoal);

public sealed class DeviceIngestTestsOnPostgres(GatewayApplication<PostgresDatabase> shoal) : DeviceIngestTests<PostgresDatabase>(shoal);
