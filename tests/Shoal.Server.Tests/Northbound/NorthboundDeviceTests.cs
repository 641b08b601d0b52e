using System.Net;
using Shoal.Server.Tests.Infrastructure;

namespace Shoal.Server.Tests.Northbound;

/// <summary>The device object, its changes, deletion and the device list, on the paths an NA written for the reference platform calls.</summary>
public abstract class NorthboundDeviceTests<TDatabase>(ShoalApplication<TDatabase> shoal) : IClassFixture<ShoalApplication<TDatabase>>
    where TDatabase : ITestDatabase, new()
{
    private const string TimePattern = @"^\d{8}T\d{6}Z$";

    [Theory]
    [InlineData("v1.1.0")]
    [InlineData("v1.2.0")]
    [InlineData("v1.3.0")]
    [InlineData("v1.4.0")]
    public async Task Get_OnEveryPathVersion_AnswersTheDeviceObject(string version)
    {
        var app = await shoal.NewApplicationAsync();
        var deviceId = await app.Na.RegisterAsync("meter-1", "Kitchen meter");

        var device = await (await app.Na.GetAsync($"/iocm/app/dm/{version}/devices/{deviceId}")).JsonAsync();

        Assert.Equal(deviceId, device.GetProperty("deviceId").GetString());
        Assert.False(string.IsNullOrEmpty(device.GetProperty("gatewayId").GetString()));
        Assert.False(string.IsNullOrEmpty(device.GetProperty("nodeType").GetString()));
        var createTime = device.GetProperty("createTime").GetString()!;
        Assert.Matches(TimePattern, createTime);
        Assert.Equal(createTime, device.GetProperty("creationTime").GetString());
        Assert.Equal(Northbound.Time(shoal.Time.GetUtcNow()), createTime);
        Assert.Matches(TimePattern, device.GetProperty("lastModifiedTime").GetString()!);
        var info = device.GetProperty("deviceInfo");
        Assert.Equal("meter-1", info.GetProperty("nodeId").GetString());
        Assert.Equal("Kitchen meter", info.GetProperty("name").GetString());
        Assert.Equal("INACTIVE", info.GetProperty("status").GetString());
        Assert.Equal(0, device.GetProperty("services").GetArrayLength());
    }

    [Fact]
    public async Task Get_UnknownDevice_Answers404100418()
    {
        var app = await shoal.NewApplicationAsync();

        var response = await app.Na.GetAsync($"{NaClient.DevicesPath}/{Guid.NewGuid()}");

        await response.NaErrorAsync(HttpStatusCode.NotFound, "100418");
    }

    [Fact]
    public async Task Modify_Answers204AndGetShowsTheNewInfo()
    {
        var app = await shoal.NewApplicationAsync();
        var deviceId = await app.Na.RegisterAsync("meter-1", "Kitchen meter");

        var response = await app.Na.SendAsync(HttpMethod.Put, $"{NaClient.DevicesPath}/{deviceId}",
            new { name = "Cellar meter", model = "M-200", location = "cellar" });

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        var info = (await (await app.Na.GetAsync($"{NaClient.DevicesPath}/{deviceId}")).JsonAsync()).GetProperty("deviceInfo");
        Assert.Equal("Cellar meter", info.GetProperty("name").GetString());
        Assert.Equal("M-200", info.GetProperty("model").GetString());
        Assert.Equal("cellar", info.GetProperty("location").GetString());
    }

    [Fact]
    public async Task Modify_UnknownDevice_Answers404100418()
    {
        var app = await shoal.NewApplicationAsync();

        var response = await app.Na.SendAsync(HttpMethod.Put, $"{NaClient.DevicesPath}/{Guid.NewGuid()}", new { name = "Cellar meter" });

        await response.NaErrorAsync(HttpStatusCode.NotFound, "100418");
    }

    [Fact]
    public async Task Delete_Answers204AndGetThenAnswers404100418()
    {
        var app = await shoal.NewApplicationAsync();
        var deviceId = await app.Na.RegisterAsync("meter-1");

        var response = await app.Na.SendAsync(HttpMethod.Delete, $"{NaClient.DevicesPath}/{deviceId}");

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        await (await app.Na.GetAsync($"{NaClient.DevicesPath}/{deviceId}")).NaErrorAsync(HttpStatusCode.NotFound, "100418");
    }

    [Fact]
    public async Task Delete_UnknownDevice_Answers404100418()
    {
        var app = await shoal.NewApplicationAsync();

        var response = await app.Na.SendAsync(HttpMethod.Delete, $"{NaClient.DevicesPath}/{Guid.NewGuid()}");

        await response.NaErrorAsync(HttpStatusCode.NotFound, "100418");
    }

    [Fact]
    public async Task List_NoParameters_AnswersFirstPageOf25()
    {
        var app = await shoal.NewApplicationAsync();
        var deviceId = await app.Na.RegisterAsync("meter-1");

        var body = await app.Na.DevicesAsync();

        Assert.Equal(1, body.GetProperty("totalCount").GetInt32());
        Assert.Equal(0, body.GetProperty("pageNo").GetInt32());
        Assert.Equal(25, body.GetProperty("pageSize").GetInt32());
        Assert.Equal(deviceId, body.GetProperty("devices")[0].GetProperty("deviceId").GetString());
    }

    [Fact]
    public async Task List_SecondPageOf10Among30_Answers10DevicesAndTotal30()
    {
        var app = await shoal.NewApplicationAsync();
        for (var i = 0; i < 30; i++)
        {
            await app.Na.RegisterAsync($"meter-{i}");
        }

        var first = await app.Na.DevicesAsync("?pageNo=0&pageSize=10");
        var second = await app.Na.DevicesAsync("?pageNo=1&pageSize=10");

        Assert.Equal(30, second.GetProperty("totalCount").GetInt32());
        Assert.Equal(1, second.GetProperty("pageNo").GetInt32());
        Assert.Equal(10, second.GetProperty("pageSize").GetInt32());
        Assert.Equal(10, second.GetProperty("devices").GetArrayLength());
        Assert.Empty(Ids(first).Intersect(Ids(second)));
    }

    [Theory]
    [InlineData("?pageSize=0")]
    [InlineData("?pageSize=251")]
    [InlineData("?pageNo=-1")]
    [InlineData("?startTime=2026-11-25")]
    [InlineData("?endTime=tomorrow")]
    [InlineData("?sort=UP")]
    public async Task List_BadParameter_Answers400100022(string query)
    {
        var app = await shoal.NewApplicationAsync();

        var response = await app.Na.GetAsync(NaClient.DevicesPath + query);

        await response.NaErrorAsync(HttpStatusCode.BadRequest, "100022");
    }

    [Fact]
    public async Task List_SortAscAndDesc_OrderByCreation()
    {
        var app = await shoal.NewApplicationAsync();
        var registered = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            registered.Add(await app.Na.RegisterAsync($"meter-{i}"));
            shoal.Time.Advance(TimeSpan.FromSeconds(1));
        }

        var ascending = Ids(await app.Na.DevicesAsync("?sort=ASC"));
        var descending = Ids(await app.Na.DevicesAsync("?sort=DESC"));

        Assert.Equal(registered, ascending);
        Assert.Equal(Enumerable.Reverse(registered), descending);
    }

    [Fact]
    public async Task List_StartAndEndTime_KeepDevicesCreatedBetween()
    {
        var app = await shoal.NewApplicationAsync();
        await app.Na.RegisterAsync("early");
        shoal.Time.Advance(TimeSpan.FromMinutes(20));
        var middle = await app.Na.RegisterAsync("middle");
        var middleTime = shoal.Time.GetUtcNow();
        shoal.Time.Advance(TimeSpan.FromMinutes(20));
        await app.Na.RegisterAsync("late");

        var body = await app.Na.DevicesAsync(
            $"?startTime={Northbound.Time(middleTime.AddMinutes(-10))}&endTime={Northbound.Time(middleTime.AddMinutes(10))}");

        Assert.Equal(1, body.GetProperty("totalCount").GetInt32());
        Assert.Equal([middle], Ids(body));
    }

    [Fact]
    public async Task List_StatusOnline_AnswersNoneWhileNoDeviceConnected()
    {
        var app = await shoal.NewApplicationAsync();
        await app.Na.RegisterAsync("meter-1");

        var online = await app.Na.DevicesAsync("?status=ONLINE");
        var inactive = await app.Na.DevicesAsync("?status=INACTIVE");

        Assert.Equal(0, online.GetProperty("totalCount").GetInt32());
        Assert.Equal(0, online.GetProperty("devices").GetArrayLength());
        Assert.Equal(1, inactive.GetProperty("totalCount").GetInt32());
    }

    private static List<string> Ids(System.Text.Json.JsonElement list) =>
        [.. list.GetProperty("devices").EnumerateArray().Select(d => d.GetProperty("deviceId").GetString()!)];
}

public sealed class NorthboundDeviceTestsOnSqlite(ShoalApplication<SqliteDatabase> shoal) : NorthboundDeviceTests<SqliteDatabase>(shoal);

public sealed class NorthboundDeviceTestsOnPostgres(ShoalApplication<PostgresDatabase> shoal) : NorthboundDeviceTests<PostgresDatabase>(shoal);
