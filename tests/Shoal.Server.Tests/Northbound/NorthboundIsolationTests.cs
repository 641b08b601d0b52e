using System.Net;
using System.Net.Http.Json;
using Shoal.Server.Tests.Infrastructure;
using static Shoal.Server.Tests.Infrastructure.ApplicationApi;

namespace Shoal.Server.Tests.Northbound;

/// <summary>
/// Application A's NA against every device route of application B (another user's): nothing without <c>appId</c>,
/// and with <c>appId=B</c> exactly what B's grant to A allows.
/// </summary>
public abstract class NorthboundIsolationTests<TDatabase>(ShoalApplication<TDatabase> shoal) : IClassFixture<ShoalApplication<TDatabase>>
    where TDatabase : ITestDatabase, new()
{
    [Theory]
    [InlineData("register")]
    [InlineData("state")]
    [InlineData("get")]
    [InlineData("modify")]
    [InlineData("delete")]
    [InlineData("list")]
    [InlineData("refreshKey")]
    public async Task Route_WithoutAppId_NeverReachesBsDevice(string route)
    {
        var (a, b, deviceId) = await TwoApplicationsAsync();
        var before = await DevicesOfAsync(b);

        var response = await CallAsync(a.Na, route, deviceId, "");

        if (route is "state" or "get" or "modify" or "delete" or "refreshKey")
        {
            await response.NaErrorAsync(HttpStatusCode.NotFound, "100418");
        }
        else
        {
            Assert.True(response.IsSuccessStatusCode, $"{route}: {response.StatusCode}");
            Assert.DoesNotContain(deviceId, await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
        Assert.Equal(before, await DevicesOfAsync(b));
    }

    [Theory]
    [InlineData("register")]
    [InlineData("state")]
    [InlineData("get")]
    [InlineData("modify")]
    [InlineData("delete")]
    [InlineData("list")]
    [InlineData("refreshKey")]
    public async Task Route_AppIdWithoutGrant_Answers403100217(string route)
    {
        var (a, b, deviceId) = await TwoApplicationsAsync();
        var before = await DevicesOfAsync(b);

        var response = await CallAsync(a.Na, route, deviceId, $"?appId={b.Id}");

        await response.NaErrorAsync(HttpStatusCode.Forbidden, "100217");
        Assert.Equal(before, await DevicesOfAsync(b));
    }

    [Theory]
    [InlineData("state")]
    [InlineData("get")]
    [InlineData("list")]
    public async Task Read_ViewGrant_Answers200WithBsDevice(string route)
    {
        var (a, b, deviceId) = await TwoApplicationsAsync();
        await GrantAsync(b, a.Id, "View");

        var response = await CallAsync(a.Na, route, deviceId, $"?appId={b.Id}");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains(deviceId, await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("register")]
    [InlineData("modify")]
    [InlineData("delete")]
    [InlineData("refreshKey")]
    public async Task Write_ViewGrant_Answers403100217AndChangesNothing(string route)
    {
        var (a, b, deviceId) = await TwoApplicationsAsync();
        await GrantAsync(b, a.Id, "View");
        var before = await DevicesOfAsync(b);

        var response = await CallAsync(a.Na, route, deviceId, $"?appId={b.Id}");

        await response.NaErrorAsync(HttpStatusCode.Forbidden, "100217");
        Assert.Equal(before, await DevicesOfAsync(b));
    }

    [Theory]
    [InlineData("state")]
    [InlineData("get")]
    [InlineData("list")]
    public async Task Read_EditGrant_Answers200WithBsDevice(string route)
    {
        var (a, b, deviceId) = await TwoApplicationsAsync();
        await GrantAsync(b, a.Id, "Edit");

        var response = await CallAsync(a.Na, route, deviceId, $"?appId={b.Id}");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains(deviceId, await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("register")]
    [InlineData("modify")]
    [InlineData("delete")]
    [InlineData("refreshKey")]
    public async Task Write_EditGrant_SucceedsOnBsDevices(string route)
    {
        var (a, b, deviceId) = await TwoApplicationsAsync();
        await GrantAsync(b, a.Id, "Edit");
        var before = await DevicesOfAsync(b);

        var response = await CallAsync(a.Na, route, deviceId, $"?appId={b.Id}");

        Assert.True(response.IsSuccessStatusCode, $"{route}: {response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        Assert.NotEqual(before, await DevicesOfAsync(b));
        Assert.Equal(0, (await a.Na.DevicesAsync()).GetProperty("totalCount").GetInt32());
    }

    [Theory]
    [InlineData("register")]
    [InlineData("state")]
    [InlineData("get")]
    [InlineData("modify")]
    [InlineData("delete")]
    [InlineData("list")]
    [InlineData("refreshKey")]
    public async Task Route_ExpiredGrant_Answers403100217(string route)
    {
        var (a, b, deviceId) = await TwoApplicationsAsync();
        await GrantAsync(b, a.Id, "Edit", shoal.Time.GetUtcNow().AddHours(1));
        shoal.Time.Advance(TimeSpan.FromMinutes(61));
        await a.Na.LoginAsync(a.Secret);
        await b.Na.LoginAsync(b.Secret);
        var before = await DevicesOfAsync(b);

        var response = await CallAsync(a.Na, route, deviceId, $"?appId={b.Id}");

        await response.NaErrorAsync(HttpStatusCode.Forbidden, "100217");
        Assert.Equal(before, await DevicesOfAsync(b));
    }

    [Theory]
    [InlineData("register")]
    [InlineData("state")]
    [InlineData("get")]
    [InlineData("modify")]
    [InlineData("delete")]
    [InlineData("list")]
    [InlineData("refreshKey")]
    public async Task Route_RevokedGrant_Answers403100217(string route)
    {
        var (a, b, deviceId) = await TwoApplicationsAsync();
        var grantId = await GrantAsync(b, a.Id, "Edit");
        Assert.Equal(HttpStatusCode.OK, (await a.Na.GetAsync($"{NaClient.DevicesPath}?appId={b.Id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await b.Owner.Client.DeleteAsync($"{Route}/{b.Id}/grants/{grantId}")).StatusCode);
        var before = await DevicesOfAsync(b);

        var response = await CallAsync(a.Na, route, deviceId, $"?appId={b.Id}");

        await response.NaErrorAsync(HttpStatusCode.Forbidden, "100217");
        Assert.Equal(before, await DevicesOfAsync(b));
    }

    [Theory]
    [InlineData("register")]
    [InlineData("state")]
    [InlineData("get")]
    [InlineData("modify")]
    [InlineData("delete")]
    [InlineData("list")]
    [InlineData("refreshKey")]
    public async Task Route_AppIdOfNoApplication_Answers403100203(string route)
    {
        var (a, _, deviceId) = await TwoApplicationsAsync();

        var response = await CallAsync(a.Na, route, deviceId, "?appId=no-such-application");

        await response.NaErrorAsync(HttpStatusCode.Forbidden, "100203");
    }

    [Theory]
    [InlineData("register")]
    [InlineData("state")]
    [InlineData("get")]
    [InlineData("modify")]
    [InlineData("delete")]
    [InlineData("list")]
    [InlineData("refreshKey")]
    public async Task Route_GrantThroughAThirdApplication_Answers403100217(string route)
    {
        var (a, b, deviceId) = await TwoApplicationsAsync();
        var middle = await shoal.NewApplicationAsync();
        await GrantAsync(b, middle.Id, "Edit");
        await GrantAsync(middle, a.Id, "Edit");
        var before = await DevicesOfAsync(b);

        var response = await CallAsync(a.Na, route, deviceId, $"?appId={b.Id}");

        await response.NaErrorAsync(HttpStatusCode.Forbidden, "100217");
        Assert.Equal(before, await DevicesOfAsync(b));
    }

    [Fact]
    public async Task Grant_AppearsInTheGrantListOfBAndTheAcceptListOfA()
    {
        var (a, b, _) = await TwoApplicationsAsync();
        var grantId = await GrantAsync(b, a.Id, "View");

        var granted = await (await b.Owner.Client.GetAsync($"{Route}/{b.Id}/grants")).JsonAsync();
        var accepted = await (await a.Owner.Client.GetAsync($"{Route}/{a.Id}/accepted-grants")).JsonAsync();

        var listed = Assert.Single(granted.EnumerateArray());
        Assert.Equal(grantId, listed.GetProperty("id").GetString());
        Assert.Equal(a.Id, listed.GetProperty("granteeApplicationId").GetString());
        Assert.Equal(grantId, Assert.Single(accepted.EnumerateArray()).GetProperty("id").GetString());
    }

    private async Task<(NaApplication A, NaApplication B, string DeviceIdOfB)> TwoApplicationsAsync()
    {
        var a = await shoal.NewApplicationAsync();
        var b = await shoal.NewApplicationAsync();
        var deviceId = await b.Na.RegisterAsync("meter-b", "B's meter");
        await a.Na.RegisterAsync("meter-a", "A's meter");
        await a.Na.SendAsync(HttpMethod.Delete, $"{NaClient.DevicesPath}/{(await a.Na.DevicesAsync()).GetProperty("devices")[0].GetProperty("deviceId").GetString()}");
        // Any write to B's devices after this point shows in their lastModifiedTime.
        shoal.Time.Advance(TimeSpan.FromSeconds(2));
        return (a, b, deviceId);
    }

    /// <summary>B's devices as its own NA sees them, raw, so that any change shows.</summary>
    private static async Task<string> DevicesOfAsync(NaApplication b) =>
        await (await b.Na.GetAsync(NaClient.DevicesPath)).EnsureSuccessStatusCode().Content.ReadAsStringAsync();

    private static async Task<string> GrantAsync(NaApplication grantor, string granteeId, string level, DateTimeOffset? expiresAt = null)
    {
        var grant = await (await grantor.Owner.Client.PostAsJsonAsync($"{Route}/{grantor.Id}/grants",
            new { granteeApplicationId = granteeId, level, expiresAt = expiresAt?.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture) }))
            .JsonAsync(HttpStatusCode.Created);
        Assert.Equal(grantor.Id, grant.GetProperty("grantorApplicationId").GetString());
        Assert.Equal(granteeId, grant.GetProperty("granteeApplicationId").GetString());
        Assert.Equal(level, grant.GetProperty("level").GetString());
        Assert.True(grant.TryGetProperty("expiresAt", out _) && grant.TryGetProperty("createdAt", out _));
        return grant.GetProperty("id").GetString()!;
    }

    /// <summary>Each device route, on one path version each; <paramref name="query"/> carries <c>appId</c> when there is one.</summary>
    private static Task<HttpResponseMessage> CallAsync(NaClient na, string route, string deviceId, string query) => route switch
    {
        "register" => na.SendAsync(HttpMethod.Post, "/iocm/app/reg/v1.2.0/devices" + query, new { nodeId = "from-a", timeout = 0 }),
        "state" => na.GetAsync($"/iocm/app/reg/v1.1.0/deviceCredentials/{deviceId}{query}"),
        "get" => na.GetAsync($"/iocm/app/dm/v1.4.0/devices/{deviceId}{query}"),
        "modify" => na.SendAsync(HttpMethod.Put, $"/iocm/app/dm/v1.3.0/devices/{deviceId}{query}", new { name = "changed by A" }),
        "delete" => na.SendAsync(HttpMethod.Delete, $"/iocm/app/dm/v1.2.0/devices/{deviceId}{query}"),
        "list" => na.GetAsync($"/iocm/app/dm/v1.1.0/devices{query}"),
        "refreshKey" => na.SendAsync(HttpMethod.Put, $"/iocm/app/reg/v1.1.0/deviceCredentials/{deviceId}{query}", "{}"),
        _ => throw new ArgumentOutOfRangeException(nameof(route), route, null),
    };
}

public sealed class NorthboundIsolationTestsOnSqlite(ShoalApplication<SqliteDatabase> shoal) : NorthboundIsolationTests<SqliteDatabase>(shoal);

public sealed class NorthboundIsolationTestsOnPostgres(ShoalApplication<PostgresDatabase> shoal) : NorthboundIsolationTests<PostgresDatabase>(shoal);
