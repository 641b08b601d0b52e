using System.Net;
using System.Text.Json;
using Shoal.Server.Tests.Infrastructure;

namespace Shoal.Server.Tests.Devices;

/// <summary>A device's history over a range: aggregated per time bucket in the database, and exported as CSV.</summary>
public abstract class DeviceHistoryAggregateApiTests<TDatabase>(ShoalApplication<TDatabase> shoal) : IClassFixture<ShoalApplication<TDatabase>>
    where TDatabase : ITestDatabase, new()
{
    private static readonly DateTimeOffset Ten = new(2026, 11, 25, 10, 0, 0, TimeSpan.Zero);

    private const string Hour = "from=2026-11-25T10:00:00Z&to=2026-11-25T11:00:00Z";

    /// <summary>A device that reported Meter.reading 0, 1, 2 … a minute apart from 10:00, each with a text property too.</summary>
    private async Task<(HttpClient Client, string Device, string ApplicationId, string DeviceId)> ReportingDeviceAsync(int reports)
    {
        var user = await shoal.SignUpAsync();
        var applicationId = await user.Client.DefaultApplicationIdAsync();
        var deviceId = await user.Client.RegisterDeviceAsync(applicationId);
        for (var i = 0; i < reports; i++)
        {
            await shoal.Services.StoreReportAsync(applicationId, deviceId, "Meter", Ten.AddMinutes(i), $$"""{"reading":{{i}},"state":"on"}""");
        }
        return (user.Client, $"/api/v1/applications/{applicationId}/devices/{deviceId}", applicationId, deviceId);
    }

    private static (DateTimeOffset Time, double Min, double Avg, double Max, long Count)[] Points(JsonElement aggregate) =>
    [
        .. aggregate.GetProperty("points").EnumerateArray().Select(p => (
            p.GetProperty("time").GetDateTimeOffset(), p.GetProperty("min").GetDouble(), p.GetProperty("avg").GetDouble(),
            p.GetProperty("max").GetDouble(), p.GetProperty("count").GetInt64())),
    ];

    [Fact]
    public async Task Aggregate_MoreValuesThanBuckets_AnswersMinAvgMaxOfEachBucket()
    {
        var (client, device, _, _) = await ReportingDeviceAsync(60);

        var aggregate = await (await client.GetAsync($"{device}/history/aggregate?serviceId=Meter&property=reading&{Hour}&buckets=4")).JsonAsync();

        Assert.False(aggregate.GetProperty("raw").GetBoolean());
        var points = Points(aggregate);
        Assert.Equal(4, points.Length);
        // Buckets just over 15 minutes: 0–15, 16–30, 31–45, 46–59.
        Assert.Equal((Ten, 0.0, 7.5, 15.0, 16L), points[0]);
        Assert.Equal((46.0, 52.5, 59.0, 14L), (points[3].Min, points[3].Avg, points[3].Max, points[3].Count));
        Assert.Equal(60, points.Sum(p => p.Count));
    }

    [Fact]
    public async Task Aggregate_FewerValuesThanBuckets_AnswersTheValuesThemselves()
    {
        var (client, device, _, _) = await ReportingDeviceAsync(3);

        var aggregate = await (await client.GetAsync($"{device}/history/aggregate?serviceId=Meter&property=reading&{Hour}&buckets=100")).JsonAsync();

        Assert.True(aggregate.GetProperty("raw").GetBoolean());
        Assert.Equal([(Ten, 0.0, 0.0, 0.0, 1L), (Ten.AddMinutes(1), 1.0, 1.0, 1.0, 1L), (Ten.AddMinutes(2), 2.0, 2.0, 2.0, 1L)], Points(aggregate));
    }

    [Fact]
    public async Task Aggregate_TextProperty_HasNoValues()
    {
        var (client, device, _, _) = await ReportingDeviceAsync(3);

        var aggregate = await (await client.GetAsync($"{device}/history/aggregate?serviceId=Meter&property=state&{Hour}&buckets=2")).JsonAsync();

        Assert.Empty(Points(aggregate));
    }

    [Fact]
    public async Task Aggregate_OnlyTheRange_IsCounted()
    {
        var (client, device, _, _) = await ReportingDeviceAsync(10);

        var aggregate = await (await client.GetAsync(
            $"{device}/history/aggregate?serviceId=Meter&property=reading&from=2026-11-25T10:02:00Z&to=2026-11-25T10:05:00Z&buckets=1")).JsonAsync();

        Assert.Equal((2.0, 3.5, 5.0, 4L), Points(aggregate).Select(p => (p.Min, p.Avg, p.Max, p.Count)).Single());
    }

    [Theory]
    [InlineData("property=reading", "serviceId")]
    [InlineData("serviceId=Meter", "property")]
    [InlineData("serviceId=Meter&property=reading&buckets=0", "buckets")]
    [InlineData("serviceId=Meter&property=reading&from=2026-11-25T11:00:00Z&to=2026-11-25T10:00:00Z", "to")]
    public async Task Aggregate_BadQuery_IsRefusedNamingTheField(string query, string field)
    {
        var (client, device, _, _) = await ReportingDeviceAsync(1);

        await (await client.GetAsync($"{device}/history/aggregate?{query}")).FieldErrorAsync(field);
    }

    [Fact]
    public async Task Export_Range_AnswersEveryReportInItAsCsvOldestFirst()
    {
        var (client, device, _, _) = await ReportingDeviceAsync(3);

        var response = await client.GetAsync($"{device}/history/export?from=2026-11-25T10:01:00Z&to=2026-11-25T11:00:00Z");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/csv", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(
            "eventTime,serviceId,data\r\n" +
            "2026-11-25T10:01:00.0000000+00:00,Meter,\"{\"\"reading\"\":1,\"\"state\"\":\"\"on\"\"}\"\r\n" +
            "2026-11-25T10:02:00.0000000+00:00,Meter,\"{\"\"reading\"\":2,\"\"state\"\":\"\"on\"\"}\"\r\n",
            await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Export_AnotherUsersDevice_IsNotFound()
    {
        var (_, device, _, _) = await ReportingDeviceAsync(1);
        var stranger = await shoal.SignUpAsync();

        await (await stranger.Client.GetAsync($"{device}/history/export")).ProblemAsync(HttpStatusCode.NotFound);
    }
}

public sealed class DeviceHistoryAggregateApiTestsOnSqlite(ShoalApplication<SqliteDatabase> shoal) : DeviceHistoryAggregateApiTests<SqliteDatabase>(shoal);

public sealed class DeviceHistoryAggregateApiTestsOnPostgres(ShoalApplication<PostgresDatabase> shoal) : DeviceHistoryAggregateApiTests<PostgresDatabase>(shoal);
