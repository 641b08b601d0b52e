using System.Net;
using System.Text.Json;
using Shoal.Server.Tests.Infrastructure;

namespace Shoal.Server.Tests.Devices;

/// <summary>A device's latest values and history through the management API, for the application's owner.</summary>
public abstract class DeviceHistoryApiTests<TDatabase>(ShoalApplication<TDatabase> shoal) : IClassFixture<ShoalApplication<TDatabase>>
    where TDatabase : ITestDatabase, new()
{
    private static readonly DateTimeOffset Ten = new(2026, 11, 25, 10, 0, 0, TimeSpan.Zero);

    /// <summary>A device of a new user's application that reported Meter.reading 0, 1, 2 … a minute apart from 10:00.</summary>
    private async Task<(HttpClient Client, string Device)> ReportingDeviceAsync(int reports)
    {
        var user = await shoal.SignUpAsync();
        var applicationId = await user.Client.DefaultApplicationIdAsync();
        var deviceId = await user.Client.RegisterDeviceAsync(applicationId);
        for (var i = 0; i < reports; i++)
        {
            await shoal.Services.StoreReportAsync(applicationId, deviceId, "Meter", Ten.AddMinutes(i), $$"""{"reading":{{i}}}""");
        }
        return (user.Client, $"/api/v1/applications/{applicationId}/devices/{deviceId}");
    }

    private static int[] Readings(JsonElement page) =>
        [.. page.GetProperty("items").EnumerateArray().Select(p => p.GetProperty("data").GetProperty("reading").GetInt32())];

    [Fact]
    public async Task History_StoredReports_AnswersThemNewestFirst()
    {
        var (client, device) = await ReportingDeviceAsync(3);

        var page = await (await client.GetAsync($"{device}/history")).JsonAsync();

        Assert.Equal(3, page.GetProperty("totalCount").GetInt32());
        Assert.Equal([2, 1, 0], Readings(page));
        var newest = page.GetProperty("items")[0];
        Assert.Equal("Meter", newest.GetProperty("serviceId").GetString());
        Assert.Equal(Ten.AddMinutes(2), newest.GetProperty("eventTime").GetDateTimeOffset());
    }

    [Fact]
    public async Task History_SecondPageOfTwo_AnswersTheOldest()
    {
        var (client, device) = await ReportingDeviceAsync(3);

        var page = await (await client.GetAsync($"{device}/history?page=2&pageSize=2")).JsonAsync();

        Assert.Equal(2, page.GetProperty("pageCount").GetInt32());
        Assert.Equal([0], Readings(page));
    }

    [Fact]
    public async Task History_FromAndTo_AnswerOnlyReportsBetween()
    {
        var (client, device) = await ReportingDeviceAsync(3);

        var page = await (await client.GetAsync($"{device}/history?from=2026-11-25T10:00:30Z&to=2026-11-25T10:01:30Z")).JsonAsync();

        Assert.Equal([1], Readings(page));
    }

    [Fact]
    public async Task History_ServiceIdAndProperty_FilterTheRows()
    {
        var user = await shoal.SignUpAsync();
        var applicationId = await user.Client.DefaultApplicationIdAsync();
        var deviceId = await user.Client.RegisterDeviceAsync(applicationId);
        await shoal.Services.StoreReportAsync(applicationId, deviceId, "Climate", Ten, """{"temperature":20}""");
        await shoal.Services.StoreReportAsync(applicationId, deviceId, "Climate", Ten, """{"humidity":40}""");
        await shoal.Services.StoreReportAsync(applicationId, deviceId, "Battery", Ten, """{"level":90}""");
        var history = $"/api/v1/applications/{applicationId}/devices/{deviceId}/history";

        var climate = await (await user.Client.GetAsync($"{history}?serviceId=Climate")).JsonAsync();
        var humidity = await (await user.Client.GetAsync($"{history}?property=humidity")).JsonAsync();

        Assert.Equal(2, climate.GetProperty("totalCount").GetInt32());
        var row = Assert.Single(humidity.GetProperty("items").EnumerateArray());
        Assert.Equal(40, row.GetProperty("data").GetProperty("humidity").GetInt32());
    }

    [Fact]
    public async Task History_UnreadableFrom_Is400NamingFrom()
    {
        var (client, device) = await ReportingDeviceAsync(1);

        var response = await client.GetAsync($"{device}/history?from=yesterday");

        Assert.Contains("ISO 8601", await response.FieldErrorAsync("from"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task History_ToBeforeFrom_Is400NamingTo()
    {
        var (client, device) = await ReportingDeviceAsync(1);

        var response = await client.GetAsync($"{device}/history?from=2026-11-25T11:00:00Z&to=2026-11-25T10:00:00Z");

        Assert.Contains("before its start", await response.FieldErrorAsync("to"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task History_AnotherUsersDevice_Is404()
    {
        var (_, device) = await ReportingDeviceAsync(1);
        var stranger = await shoal.SignUpAsync();

        var response = await stranger.Client.GetAsync($"{device}/history");

        await response.ProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task LatestValues_DeviceThatReported_AnswersTheNewestValueOfEachService()
    {
        var (client, device) = await ReportingDeviceAsync(3);

        var services = await (await client.GetAsync($"{device}/services")).JsonAsync();

        var meter = Assert.Single(services.EnumerateArray());
        Assert.Equal("Meter", meter.GetProperty("serviceId").GetString());
        Assert.Equal(2, meter.GetProperty("data").GetProperty("reading").GetInt32());
        Assert.Equal(Ten.AddMinutes(2), meter.GetProperty("eventTime").GetDateTimeOffset());
    }

    [Fact]
    public async Task LatestValues_DeviceThatNeverReported_AnswersAnEmptyList()
    {
        var (client, device) = await ReportingDeviceAsync(0);

        var services = await (await client.GetAsync($"{device}/services")).JsonAsync();

        Assert.Equal(0, services.GetArrayLength());
    }

    [Fact]
    public async Task LatestValues_AnotherUsersDevice_Is404()
    {
        var (_, device) = await ReportingDeviceAsync(1);
        var stranger = await shoal.SignUpAsync();

        var response = await stranger.Client.GetAsync($"{device}/services");

        await response.ProblemAsync(HttpStatusCode.NotFound);
    }
}

public sealed class DeviceHistoryApiTestsOnSqlite(ShoalApplication<SqliteDatabase> shoal) : DeviceHistoryApiTests<SqliteDatabase>(shoal);

public sealed class DeviceHistoryApiTestsOnPostgres(ShoalApplication<PostgresDatabase> shoal) : DeviceHistoryApiTests<PostgresDatabase>(shoal);
