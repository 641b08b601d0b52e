using Microsoft.EntityFrameworkCore;
using MQTTnet;
using MQTTnet.Protocol;
using Shoal.Server.Tests.Infrastructure;
using Shoal.Storage.Entities;

namespace Shoal.Server.Tests.Gateway;

/// <summary>
/// What a device reports is stored only if every later reader can read it: no text that hides a NUL or a lone surrogate
/// behind an escape, no repeated names, a bounded number of services, and no event time far in the future.
/// </summary>
public abstract class ReportTextTests<TDatabase>(GatewayApplication<TDatabase> shoal) : IClassFixture<GatewayApplication<TDatabase>>
    where TDatabase : ITestDatabase, new()
{
    private const string GoodReport = """{"services":[{"service_id":"T","properties":{"v":1}}]}""";

    [Theory]
    [InlineData("""{"services":[{"service_id":"T","properties":{"v":"\ud800"}}]}""")]
    [InlineData("""{"services":[{"service_id":"T","properties":{"\udc00":1}}]}""")]
    [InlineData("""{"services":[{"service_id":"T","properties":{"v":{"deep":["\ud800x"]}}}]}""")]
    [InlineData("""{"services":[{"service_id":"T\u0000","properties":{"v":1}}]}""")]
    [InlineData("""{"services":[{"service_id":"T","properties":{"v":"a\u0000b"}}]}""")]
    [InlineData("""{"services":[{"service_id":"T","properties":{"v":1,"v":2}}]}""")]
    [InlineData("""{"services":[{"service_id":"T","service_id":"U","properties":{"v":1}}]}""")]
    public async Task Report_TextNoReaderCouldRead_IsRefusedAndNothingIsStored(string report)
    {
        var (_, device) = await shoal.NewDeviceAsync();
        using var client = await shoal.ConnectAsync(device);

        var result = await client.ReportAsync(device, report);

        Assert.Equal(MqttClientPublishReasonCode.PayloadFormatInvalid, result.ReasonCode);
        Assert.False(await shoal.QueryAsync(db => db.DeviceEvents.AnyAsync(e => e.DeviceId == device.Id && e.Type == DeviceEventType.PropertiesReported)));
        Assert.False(await shoal.QueryAsync(db => db.DeviceServiceStates.AnyAsync(s => s.DeviceId == device.Id)));
    }

    [Fact]
    public async Task Report_TextThatIsNotUtf8_IsRefusedAndNothingIsStored()
    {
        var (_, device) = await shoal.NewDeviceAsync();
        using var client = await shoal.ConnectAsync(device);
        byte[] report = [.. "{\"services\":[{\"service_id\":\"T\",\"properties\":{\"v\":\""u8.ToArray(), 0xFF, 0xFE, .. "\"}}]}"u8.ToArray()];

        var result = await client.PublishAsync(new MqttApplicationMessageBuilder()
            .WithTopic(device.Topic("sys/properties/report")).WithPayload(report).WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build());

        Assert.Equal(MqttClientPublishReasonCode.PayloadFormatInvalid, result.ReasonCode);
        Assert.False(await shoal.QueryAsync(db => db.DeviceServiceStates.AnyAsync(s => s.DeviceId == device.Id)));
    }

    [Fact]
    public async Task Report_AfterARefusedOne_IsStored()
    {
        var (_, device) = await shoal.NewDeviceAsync();
        using var client = await shoal.ConnectAsync(device);
        await client.ReportAsync(device, """{"services":[{"service_id":"T","properties":{"v":"\ud800"}}]}""");

        var result = await client.ReportAsync(device, GoodReport);

        Assert.Equal(MqttClientPublishReasonCode.Success, result.ReasonCode);
        Assert.Equal("""{"v":1}""", await shoal.QueryAsync(db => db.DeviceServiceStates.Where(s => s.DeviceId == device.Id).Select(s => s.Data).SingleAsync()));
    }

    [Fact]
    public async Task Report_EscapedTextThatIsValid_IsStored()
    {
        var (_, device) = await shoal.NewDeviceAsync();
        using var client = await shoal.ConnectAsync(device);

        var result = await client.ReportAsync(device, """{"services":[{"service_id":"T","properties":{"v":"caf\u00e9 \ud83d\ude00 \"q\""}}]}""");

        Assert.Equal(MqttClientPublishReasonCode.Success, result.ReasonCode);
    }

    [Fact]
    public async Task Report_MoreServicesThanTheLimit_IsRefused()
    {
        var (_, device) = await shoal.NewDeviceAsync();
        using var client = await shoal.ConnectAsync(device);
        var services = string.Join(',', Enumerable.Range(0, 101).Select(i => $$$"""{"service_id":"S{{{i}}}","properties":{"v":1}}"""));

        var result = await client.ReportAsync(device, $$"""{"services":[{{services}}]}""");

        Assert.Equal(MqttClientPublishReasonCode.PayloadFormatInvalid, result.ReasonCode);
        Assert.False(await shoal.QueryAsync(db => db.DeviceDataPoints.AnyAsync(p => p.DeviceId == device.Id)));
    }

    [Fact]
    public async Task Report_EventTimeFarInTheFuture_IsStoredAtTheReceiveTime()
    {
        var (_, device) = await shoal.NewDeviceAsync();
        using var client = await shoal.ConnectAsync(device);

        await client.ReportAsync(device, """{"services":[{"service_id":"T","properties":{"v":1},"event_time":"99991231T235959Z"}]}""");

        var point = await shoal.QueryAsync(db => db.DeviceDataPoints.AsNoTracking().SingleAsync(p => p.DeviceId == device.Id));
        Assert.Equal(shoal.Time.GetUtcNow(), point.EventTime, TimeSpan.FromMilliseconds(1));
    }

    [Fact]
    public async Task MessageUp_JsonWithALoneSurrogate_IsKeptAsBase64()
    {
        var (_, device) = await shoal.NewDeviceAsync();
        using var client = await shoal.ConnectAsync(device);

        await client.PublishAsync(new MqttApplicationMessageBuilder()
            .WithTopic(device.Topic("sys/messages/up")).WithPayload("""{"m":"\ud800"}""").WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build());

        var message = await shoal.QueryAsync(db => db.DeviceEvents.AsNoTracking().SingleAsync(e => e.DeviceId == device.Id && e.Type == DeviceEventType.MessageUp));
        Assert.StartsWith("""{"base64":""", message.Payload, StringComparison.Ordinal);
    }
}

public sealed class ReportTextTestsOnSqlite(GatewayApplication<SqliteDatabase> shoal) : ReportTextTests<SqliteDatabase>(shoal);

public sealed class ReportTextTestsOnPostgres(GatewayApplication<PostgresDatabase> shoal) : ReportTextTests<PostgresDatabase>(shoal);
