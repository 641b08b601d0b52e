using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Shoal.Server.Tests.Infrastructure;

namespace Shoal.Server.Tests.Devices;

public abstract class DeviceApiTests<TDatabase>(ShoalApplication<TDatabase> shoal) : IClassFixture<ShoalApplication<TDatabase>>
    where TDatabase : ITestDatabase, new()
{
    private async Task<(HttpClient Client, string Devices)> ApplicationAsync()
    {
        var user = await shoal.SignUpAsync();
        var id = (await user.Client.CreateApplicationAsync("plant")).GetProperty("applicationId").GetString();
        return (user.Client, $"/api/v1/applications/{id}/devices");
    }

    [Fact]
    public async Task Register_NodeIdOnly_ReturnsAGeneratedSecretOnceAndAnInactiveDevice()
    {
        var (client, devices) = await ApplicationAsync();

        var created = await (await client.PostAsJsonAsync(devices, new { nodeId = "meter-1" })).JsonAsync(HttpStatusCode.Created);

        var secret = created.GetProperty("secret").GetString()!;
        Assert.Matches("^[0-9a-f]{32}$", secret);
        var device = created.GetProperty("device");
        Assert.Equal("Inactive", device.GetProperty("status").GetString());
        Assert.DoesNotContain(secret, await client.GetStringAsync($"{devices}/{device.GetProperty("id").GetString()}"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Register_DuplicateNodeId_IsRefusedNamingNodeId()
    {
        var (client, devices) = await ApplicationAsync();
        await (await client.PostAsJsonAsync(devices, new { nodeId = "meter-1" })).JsonAsync(HttpStatusCode.Created);

        var response = await client.PostAsJsonAsync(devices, new { nodeId = "meter-1" });

        Assert.Contains("already registered", await response.FieldErrorAsync("nodeId"), StringComparison.Ordinal);
        Assert.Equal(1, (await client.GetFromJsonAsync<JsonElement>(devices)).GetProperty("totalCount").GetInt32());
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("not-hex-at-all!")]
    [InlineData("0123456789abcdef0123456789abcdef0")]
    public async Task Register_BadPsk_IsRefusedNamingPsk(string psk)
    {
        var (client, devices) = await ApplicationAsync();

        var response = await client.PostAsJsonAsync(devices, new { nodeId = "meter-1", psk });

        Assert.Contains("hexadecimal", await response.FieldErrorAsync("psk"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Register_WithGatewayId_IsAnEndpointOfThatGateway()
    {
        var (client, devices) = await ApplicationAsync();
        var gatewayId = (await (await client.PostAsJsonAsync(devices, new { nodeId = "gateway-1" })).JsonAsync(HttpStatusCode.Created))
            .GetProperty("device").GetProperty("id").GetString();

        var device = (await (await client.PostAsJsonAsync(devices, new { nodeId = "meter-1", gatewayId })).JsonAsync(HttpStatusCode.Created)).GetProperty("device");

        Assert.Equal((gatewayId, "ENDPOINT"), (device.GetProperty("gatewayId").GetString(), device.GetProperty("nodeType").GetString()));
    }

    [Fact]
    public async Task Register_GatewayOfAnotherApplication_IsRefusedNamingGatewayId()
    {
        var (client, devices) = await ApplicationAsync();
        var (otherClient, otherDevices) = await ApplicationAsync();
        var gatewayId = (await (await otherClient.PostAsJsonAsync(otherDevices, new { nodeId = "gateway-1" })).JsonAsync(HttpStatusCode.Created))
            .GetProperty("device").GetProperty("id").GetString();

        var response = await client.PostAsJsonAsync(devices, new { nodeId = "meter-1", gatewayId });

        Assert.Contains("gateway", await response.FieldErrorAsync("gatewayId"), StringComparison.Ordinal);
        Assert.Equal(0, (await client.GetFromJsonAsync<JsonElement>(devices)).GetProperty("totalCount").GetInt32());
    }

    [Fact]
    public async Task Update_NewName_IsReturnedAndKept()
    {
        var (client, devices) = await ApplicationAsync();
        var id = (await (await client.PostAsJsonAsync(devices, new { nodeId = "meter-1" })).JsonAsync(HttpStatusCode.Created))
            .GetProperty("device").GetProperty("id").GetString();

        await (await client.PutAsJsonAsync($"{devices}/{id}", new { name = "Boiler room meter", location = "Basement" })).JsonAsync();

        var device = await client.GetFromJsonAsync<JsonElement>($"{devices}/{id}");
        Assert.Equal("Boiler room meter", device.GetProperty("name").GetString());
        Assert.Equal("Basement", device.GetProperty("location").GetString());
    }

    [Fact]
    public async Task ResetSecret_ReturnsADifferentSecret()
    {
        var (client, devices) = await ApplicationAsync();
        var created = await (await client.PostAsJsonAsync(devices, new { nodeId = "meter-1" })).JsonAsync(HttpStatusCode.Created);
        var id = created.GetProperty("device").GetProperty("id").GetString();

        var reset = await (await client.PostAsJsonAsync($"{devices}/{id}/secret", new { })).JsonAsync();

        Assert.NotEqual(created.GetProperty("secret").GetString(), reset.GetProperty("secret").GetString());
    }

    [Fact]
    public async Task Delete_Device_IsGone()
    {
        var (client, devices) = await ApplicationAsync();
        var id = (await (await client.PostAsJsonAsync(devices, new { nodeId = "meter-1" })).JsonAsync(HttpStatusCode.Created))
            .GetProperty("device").GetProperty("id").GetString();

        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync($"{devices}/{id}")).StatusCode);

        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"{devices}/{id}")).StatusCode);
    }

    [Fact]
    public async Task List_ManyDevices_IsPaged()
    {
        var (client, devices) = await ApplicationAsync();
        for (var i = 0; i < 5; i++)
        {
            await (await client.PostAsJsonAsync(devices, new { nodeId = $"meter-{i}" })).JsonAsync(HttpStatusCode.Created);
        }

        var page = await client.GetFromJsonAsync<JsonElement>($"{devices}?page=2&pageSize=2");

        Assert.Equal(5, page.GetProperty("totalCount").GetInt32());
        Assert.Equal(3, page.GetProperty("pageCount").GetInt32());
        Assert.Equal(2, page.GetProperty("items").GetArrayLength());
    }
}

public sealed class DeviceApiTestsOnSqlite(ShoalApplication<SqliteDatabase> shoal) : DeviceApiTests<SqliteDatabase>(shoal);

public sealed class DeviceApiTestsOnPostgres(ShoalApplication<PostgresDatabase> shoal) : DeviceApiTests<PostgresDatabase>(shoal);
