using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Shoal.Server.Tests.Infrastructure;

namespace Shoal.Server.Tests.Devices;

/// <summary>Registering devices from CSV through the management API: each row whole or not at all, a bad file not at all.</summary>
public abstract class DeviceImportApiTests<TDatabase>(ShoalApplication<TDatabase> shoal) : IClassFixture<ShoalApplication<TDatabase>>
    where TDatabase : ITestDatabase, new()
{
    private async Task<(HttpClient Client, string Devices)> ApplicationAsync()
    {
        var user = await shoal.SignUpAsync();
        return (user.Client, $"/api/v1/applications/{await user.Client.DefaultApplicationIdAsync()}/devices");
    }

    private static Task<HttpResponseMessage> ImportAsync(HttpClient client, string devices, string csv) =>
        client.PostAsync($"{devices}/import", new StringContent(csv, Encoding.UTF8, "text/csv"));

    private static async Task<int> CountAsync(HttpClient client, string devices) =>
        (await client.GetFromJsonAsync<JsonElement>(devices)).GetProperty("totalCount").GetInt32();

    [Fact]
    public async Task Import_GoodRows_RegistersEachWithItsFieldsAndSecret()
    {
        var (client, devices) = await ApplicationAsync();

        var result = await (await ImportAsync(client, devices,
            "name,nodeId,timeout,location\r\n\"Boiler, north\",meter-1,0,\"Hall \"\"A\"\"\"\r\nRoof,meter-2,,\r\n")).JsonAsync();

        Assert.Equal((2, 0), (result.GetProperty("registered").GetInt32(), result.GetProperty("failed").GetInt32()));
        var first = result.GetProperty("rows")[0];
        Assert.Equal((2, "meter-1"), (first.GetProperty("line").GetInt32(), first.GetProperty("nodeId").GetString()));
        Assert.Matches("^[0-9a-f]{32}$", first.GetProperty("secret").GetString()!);
        Assert.Equal(JsonValueKind.Null, first.GetProperty("error").ValueKind);
        var device = await client.GetFromJsonAsync<JsonElement>($"{devices}/{first.GetProperty("deviceId").GetString()}");
        Assert.Equal(("Boiler, north", "Hall \"A\"", 0), (device.GetProperty("name").GetString(), device.GetProperty("location").GetString(), device.GetProperty("timeout").GetInt32()));
        Assert.Equal(3, result.GetProperty("rows")[1].GetProperty("line").GetInt32());
    }

    [Fact]
    public async Task Import_BadRows_RefusesOnlyThoseSayingWhy()
    {
        var (client, devices) = await ApplicationAsync();
        await (await client.PostAsJsonAsync(devices, new { nodeId = "taken" })).JsonAsync(HttpStatusCode.Created);

        var result = await (await ImportAsync(client, devices,
            $"nodeId,timeout,manufacturer\ngood,0,\ntaken,0,\nbad-timeout,soon,\nlong,0,{new string('m', 257)}\n,0,\n")).JsonAsync();

        Assert.Equal((1, 4), (result.GetProperty("registered").GetInt32(), result.GetProperty("failed").GetInt32()));
        var errors = result.GetProperty("rows").EnumerateArray().ToDictionary(r => r.GetProperty("line").GetInt32(), r => r.GetProperty("error").GetString());
        Assert.Null(errors[2]);
        Assert.Contains("already registered", errors[3], StringComparison.Ordinal);
        Assert.Contains("timeout", errors[4], StringComparison.Ordinal);
        Assert.Contains("manufacturer", errors[5], StringComparison.Ordinal);
        Assert.Contains("nodeId", errors[6], StringComparison.Ordinal);
        Assert.All(result.GetProperty("rows").EnumerateArray().Skip(1), r => Assert.Equal(JsonValueKind.Null, r.GetProperty("deviceId").ValueKind));
        Assert.Equal(2, await CountAsync(client, devices));
    }

    [Fact]
    public async Task Import_SameNodeIdTwiceInTheFile_RegistersTheFirstAndNamesItsLineForTheSecond()
    {
        var (client, devices) = await ApplicationAsync();

        var result = await (await ImportAsync(client, devices, "nodeId\nmeter-1\nmeter-2\nmeter-1\n")).JsonAsync();

        Assert.Equal((2, 1), (result.GetProperty("registered").GetInt32(), result.GetProperty("failed").GetInt32()));
        Assert.Contains("line 2", result.GetProperty("rows")[2].GetProperty("error").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("name,timeout\nBoiler,0\n")]
    [InlineData("nodeId,colour\nmeter-1,red\n")]
    [InlineData("nodeId,name\nmeter-1,\"unclosed\n")]
    [InlineData("nodeId,name\nmeter-1\nmeter-2,two\n")]
    public async Task Import_MalformedFile_IsRefusedWholeRegisteringNothing(string csv)
    {
        var (client, devices) = await ApplicationAsync();

        await (await ImportAsync(client, devices, csv)).ProblemAsync(HttpStatusCode.BadRequest);

        Assert.Equal(0, await CountAsync(client, devices));
    }

    [Fact]
    public async Task Import_MoreRowsThanAllowed_IsRefusedAsTooLarge()
    {
        var (client, devices) = await ApplicationAsync();
        var csv = "nodeId\n" + string.Concat(Enumerable.Range(0, 10_001).Select(i => $"n{i}\n"));

        await (await ImportAsync(client, devices, csv)).ProblemAsync(HttpStatusCode.RequestEntityTooLarge);

        Assert.Equal(0, await CountAsync(client, devices));
    }
}

public sealed class DeviceImportApiTestsOnSqlite(ShoalApplication<SqliteDatabase> shoal) : DeviceImportApiTests<SqliteDatabase>(shoal);

public sealed class DeviceImportApiTestsOnPostgres(ShoalApplication<PostgresDatabase> shoal) : DeviceImportApiTests<PostgresDatabase>(shoal);
