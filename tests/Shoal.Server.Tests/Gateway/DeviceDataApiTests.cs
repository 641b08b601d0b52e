using System.Net;
using System.Text.Json;
using MQTTnet;
using Shoal.Server.Tests.Infrastructure;
using Shoal.Server.Tests.Northbound;

namespace Shoal.Server.Tests.Gateway;

/// <summary>What devices reported, read by an NA: the device object's services and deviceDataHistory.</summary>
public abstract class DeviceDataApiTests<TDatabase>(GatewayApplication<TDatabase> shoal) : IClassFixture<GatewayApplication<TDatabase>>
    where TDatabase : ITestDatabase, new()
{
    private const string HistoryPath = "/iocm/app/data/v1.2.0/deviceDataHistory";

    [Fact]
    public async Task Get_DeviceThatReported_ShowsTheLatestValueOfEachService()
    {
        var (app, device) = await shoal.NewDeviceAsync();
        using var client = await shoal.ConnectAsync(device);
        await client.ReportAsync(device, """{"services":[{"service_id":"Temperature","properties":{"value":21.5},"event_time":"20261125T101500Z"}]}""");

        var body = await (await app.Na.GetAsync($"{NaClient.DevicesPath}/{device.Id}")).JsonAsync();

        var service = Assert.Single(body.GetProperty("services").EnumerateArray());
        Assert.Equal("Temperature", service.GetProperty("serviceId").GetString());
        Assert.Equal("Temperature", service.GetProperty("serviceType").GetString());
        Assert.Equal(21.5, service.GetProperty("data").GetProperty("value").GetDouble());
        Assert.Equal("20261125T101500Z", service.GetProperty("eventTime").GetString());
        Assert.Equal("ONLINE", body.GetProperty("deviceInfo").GetProperty("status").GetString());
    }

    [Fact]
    public async Task Get_AfterAnotherReport_ShowsTheNewerValue()
    {
        var (app, device) = await shoal.NewDeviceAsync();
        using var client = await shoal.ConnectAsync(device);
        await client.ReportAsync(device, """{"services":[{"service_id":"Temperature","properties":{"value":21.5}}]}""");
        await app.Na.GetAsync($"{NaClient.DevicesPath}/{device.Id}");

        await client.ReportAsync(device, """{"services":[{"service_id":"Temperature","properties":{"value":22.5}}]}""");
        var body = await (await app.Na.GetAsync($"{NaClient.DevicesPath}/{device.Id}")).JsonAsync();

        Assert.Equal(22.5, Assert.Single(body.GetProperty("services").EnumerateArray()).GetProperty("data").GetProperty("value").GetDouble());
    }

    [Fact]
    public async Task Get_AfterTheDeviceDisconnects_ShowsItOffline()
    {
        var (app, device) = await shoal.NewDeviceAsync();
        var client = await shoal.ConnectAsync(device);
        Assert.Equal("ONLINE", await StatusAsync(app, device));

        await client.DisconnectAsync(new MqttClientDisconnectOptions());
        client.Dispose();

        // Served from memory until the disconnect voids it; the clock never moves, so only that can end this wait.
        using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        while (await StatusAsync(app, device) != "OFFLINE")
        {
            await Task.Delay(20, deadline.Token);
        }
    }

    [Theory]
    [InlineData("v1.1.0")]
    [InlineData("v1.2.0")]
    public async Task History_OnBothPathVersions_AnswersTheReportsNewestFirst(string version)
    {
        var (app, device) = await ReportingDeviceAsync(3);

        var body = await (await app.Na.GetAsync($"/iocm/app/data/{version}/deviceDataHistory?deviceId={device.Id}&gatewayId={device.Id}")).JsonAsync();

        Assert.Equal(3, body.GetProperty("totalCount").GetInt32());
        Assert.Equal(0, body.GetProperty("pageNo").GetInt32());
        Assert.Equal(25, body.GetProperty("pageSize").GetInt32());
        var first = body.GetProperty("deviceDataHistoryDTOs")[0];
        Assert.Equal((device.Id, device.Id, app.Id, "Meter"), (first.GetProperty("deviceId").GetString(), first.GetProperty("gatewayId").GetString(),
            first.GetProperty("appId").GetString(), first.GetProperty("serviceId").GetString()));
        Assert.Equal(2, first.GetProperty("data").GetProperty("reading").GetInt32());
        Assert.Equal("20261125T100200Z", first.GetProperty("timestamp").GetString());
    }

    [Fact]
    public async Task History_SecondPageOfTwo_AnswersTheOldest()
    {
        var (app, device) = await ReportingDeviceAsync(3);

        var body = await (await app.Na.GetAsync($"{HistoryPath}?deviceId={device.Id}&gatewayId={device.Id}&pageNo=1&pageSize=2")).JsonAsync();

        Assert.Equal(3, body.GetProperty("totalCount").GetInt32());
        Assert.Equal([0], Readings(body));
    }

    [Fact]
    public async Task History_StartAndEndTime_AnswerOnlyReportsBetween()
    {
        var (app, device) = await ReportingDeviceAsync(3);

        var body = await (await app.Na.GetAsync(
            $"{HistoryPath}?deviceId={device.Id}&gatewayId={device.Id}&startTime=20261125T100100Z&endTime=20261125T100130Z")).JsonAsync();

        Assert.Equal([1], Readings(body));
    }

    [Fact]
    public async Task History_ServiceIdAndProperty_FilterTheRows()
    {
        var (app, device) = await shoal.NewDeviceAsync();
        using var client = await shoal.ConnectAsync(device);
        await client.ReportAsync(device, """{"services":[{"service_id":"Climate","properties":{"temperature":20}},{"service_id":"Climate","properties":{"humidity":40}},{"service_id":"Battery","properties":{"level":90}}]}""");
        var query = $"{HistoryPath}?deviceId={device.Id}&gatewayId={device.Id}";

        var climate = await (await app.Na.GetAsync($"{query}&serviceId=Climate")).JsonAsync();
        var humidity = await (await app.Na.GetAsync($"{query}&property=humidity")).JsonAsync();

        Assert.Equal(2, climate.GetProperty("totalCount").GetInt32());
        var row = Assert.Single(humidity.GetProperty("deviceDataHistoryDTOs").EnumerateArray());
        Assert.Equal(40, row.GetProperty("data").GetProperty("humidity").GetInt32());
    }

    [Theory]
    [InlineData("gatewayId={0}")]
    [InlineData("deviceId={0}")]
    public async Task History_WithoutDeviceIdOrGatewayId_Answers400102202(string query)
    {
        var (app, device) = await shoal.NewDeviceAsync();

        var response = await app.Na.GetAsync($"{HistoryPath}?{string.Format(System.Globalization.CultureInfo.InvariantCulture, query, device.Id)}");

        await response.NaErrorAsync(HttpStatusCode.BadRequest, "102202");
    }

    [Fact]
    public async Task History_AnotherApplicationsDevice_AnswersNothing()
    {
        var (_, device) = await ReportingDeviceAsync(1);
        var stranger = await shoal.NewApplicationAsync();

        var body = await (await stranger.Na.GetAsync($"{HistoryPath}?deviceId={device.Id}&gatewayId={device.Id}")).JsonAsync();

        Assert.Equal(0, body.GetProperty("totalCount").GetInt32());
    }

    /// <summary>A device that reported Meter.reading 0, 1, 2 … a minute apart from 10:00.</summary>
    private static async Task<string?> StatusAsync(NaApplication app, TestDevice device) =>
        (await (await app.Na.GetAsync($"{NaClient.DevicesPath}/{device.Id}")).JsonAsync()).GetProperty("deviceInfo").GetProperty("status").GetString();

    private async Task<(NaApplication App, TestDevice Device)> ReportingDeviceAsync(int reports)
    {
        var (app, device) = await shoal.NewDeviceAsync();
        using var client = await shoal.ConnectAsync(device);
        for (var i = 0; i < reports; i++)
        {
            await client.ReportAsync(device, $$"""{"services":[{"service_id":"Meter","properties":{"reading":{{i}}},"event_time":"20261125T10{{i:00}}00Z"}]}""");
        }
        return (app, device);
    }

    private static List<int> Readings(JsonElement body) =>
        [.. body.GetProperty("deviceDataHistoryDTOs").EnumerateArray().Select(r => r.GetProperty("data").GetProperty("reading").GetInt32())];
}

public sealed class DeviceDataApiTestsOnSqlite(GatewayApplication<SqliteDatabase> shoal) : DeviceDataApiTests<SqliteDatabase>(shoal);

public sealed class DeviceDataApiTestsOnPostgres(GatewayApplication<PostgresDatabase> shoal) : DeviceDataApiTests<PostgresDatabase>(shoal);
