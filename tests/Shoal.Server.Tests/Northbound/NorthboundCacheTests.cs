using System.Net;
using System.Net.Http.Json;
using Shoal.Server.Tests.Infrastructure;
using static Shoal.Server.Tests.Infrastructure.ApplicationApi;

namespace Shoal.Server.Tests.Northbound;

/// <summary>
/// Checked tokens and device objects are served from memory: each change that must void one does so at once, on the
/// node that made it. Every call below is made once before the change, so that what it answered is cached.
/// </summary>
public abstract class NorthboundCacheTests<TDatabase>(ShoalApplication<TDatabase> shoal) : IClassFixture<ShoalApplication<TDatabase>>
    where TDatabase : ITestDatabase, new()
{
    [Fact]
    public async Task Token_AfterASecretReset_IsRefused()
    {
        var app = await CachedAsync();

        (await app.Owner.Client.PostAsJsonAsync($"{Route}/{app.Id}/secret", new { })).EnsureSuccessStatusCode();

        await (await app.Na.GetAsync(NaClient.DevicesPath)).NaErrorAsync(HttpStatusCode.Forbidden, "1010005");
    }

    [Fact]
    public async Task Token_AfterALogout_IsRefused()
    {
        var app = await CachedAsync();

        (await app.Na.Http.PostAsJsonAsync(NaClient.LogoutPath, new { accessToken = app.Na.AccessToken })).EnsureSuccessStatusCode();

        await (await app.Na.GetAsync(NaClient.DevicesPath)).NaErrorAsync(HttpStatusCode.Forbidden, "1010005");
    }

    [Fact]
    public async Task Token_AfterTheApplicationIsFrozen_AnswersFrozen()
    {
        var app = await CachedAsync();

        (await shoal.Operator.PostAsync($"/api/v1/operator/applications/{app.Id}/freeze", null)).EnsureSuccessStatusCode();

        await (await app.Na.GetAsync(NaClient.DevicesPath)).NaErrorAsync(HttpStatusCode.BadRequest, "100247");
    }

    [Fact]
    public async Task Token_AfterTheApplicationIsDeleted_IsRefused()
    {
        var app = await CachedAsync();

        Assert.Equal(HttpStatusCode.NoContent, (await app.Owner.Client.DeleteAsync($"{Route}/{app.Id}?confirmName={app.Name}")).StatusCode);

        await (await app.Na.GetAsync(NaClient.DevicesPath)).NaErrorAsync(HttpStatusCode.Forbidden, "1010005");
    }

    [Fact]
    public async Task GrantedRead_AfterTheGrantIsRevoked_IsRefused()
    {
        var grantor = await shoal.NewApplicationAsync();
        var grantee = await shoal.NewApplicationAsync();
        var deviceId = await grantor.Na.RegisterAsync("granted-1");
        var grant = await (await grantor.Owner.Client.PostAsJsonAsync($"{Route}/{grantor.Id}/grants", new { granteeApplicationId = grantee.Id, level = "View" }))
            .JsonAsync(HttpStatusCode.Created);
        var path = $"{NaClient.DevicesPath}/{deviceId}?appId={grantor.Id}";
        Assert.Equal(HttpStatusCode.OK, (await grantee.Na.GetAsync(path)).StatusCode);

        Assert.Equal(HttpStatusCode.NoContent, (await grantor.Owner.Client.DeleteAsync($"{Route}/{grantor.Id}/grants/{grant.GetProperty("id").GetGuid()}")).StatusCode);

        Assert.Equal(HttpStatusCode.Forbidden, (await grantee.Na.GetAsync(path)).StatusCode);
    }

    [Fact]
    public async Task Device_AfterItsDetailsChange_ShowsTheNewOnes()
    {
        var app = await shoal.NewApplicationAsync();
        var deviceId = await app.Na.RegisterAsync("renamed-1", "before");
        await app.Na.GetAsync($"{NaClient.DevicesPath}/{deviceId}");

        Assert.Equal(HttpStatusCode.NoContent, (await app.Na.SendAsync(HttpMethod.Put, $"{NaClient.DevicesPath}/{deviceId}", new { name = "after" })).StatusCode);

        var device = await (await app.Na.GetAsync($"{NaClient.DevicesPath}/{deviceId}")).JsonAsync();
        Assert.Equal("after", device.GetProperty("deviceInfo").GetProperty("name").GetString());
    }

    [Fact]
    public async Task DeviceList_AfterADevicesDetailsChange_ShowsTheNewOnes()
    {
        var app = await shoal.NewApplicationAsync();
        var deviceId = await app.Na.RegisterAsync("listed-1", "before");
        await app.Na.DevicesAsync();

        Assert.Equal(HttpStatusCode.NoContent, (await app.Na.SendAsync(HttpMethod.Put, $"{NaClient.DevicesPath}/{deviceId}", new { name = "after" })).StatusCode);

        var device = Assert.Single((await app.Na.DevicesAsync()).GetProperty("devices").EnumerateArray());
        Assert.Equal("after", device.GetProperty("deviceInfo").GetProperty("name").GetString());
    }

    [Fact]
    public async Task DeviceList_AfterARegistration_CountsAndShowsTheNewDevice()
    {
        var app = await shoal.NewApplicationAsync();
        await app.Na.RegisterAsync("first-1");
        await app.Na.DevicesAsync();

        var second = await app.Na.RegisterAsync("second-1");

        var list = await app.Na.DevicesAsync();
        Assert.Equal(2, list.GetProperty("totalCount").GetInt32());
        Assert.Contains(second, list.GetProperty("devices").EnumerateArray().Select(d => d.GetProperty("deviceId").GetString()));
    }

    [Fact]
    public async Task DeviceList_AfterADeletion_LeavesTheDeviceOut()
    {
        var app = await shoal.NewApplicationAsync();
        var deviceId = await app.Na.RegisterAsync("deleted-2");
        await app.Na.DevicesAsync();

        Assert.Equal(HttpStatusCode.NoContent, (await app.Na.SendAsync(HttpMethod.Delete, $"{NaClient.DevicesPath}/{deviceId}")).StatusCode);

        var list = await app.Na.DevicesAsync();
        Assert.Equal(0, list.GetProperty("totalCount").GetInt32());
        Assert.Equal(0, list.GetProperty("devices").GetArrayLength());
    }

    [Fact]
    public async Task Device_AfterItsDeletion_IsMissing()
    {
        var app = await shoal.NewApplicationAsync();
        var deviceId = await app.Na.RegisterAsync("deleted-1");
        await app.Na.GetAsync($"{NaClient.DevicesPath}/{deviceId}");

        Assert.Equal(HttpStatusCode.NoContent, (await app.Na.SendAsync(HttpMethod.Delete, $"{NaClient.DevicesPath}/{deviceId}")).StatusCode);

        await (await app.Na.GetAsync($"{NaClient.DevicesPath}/{deviceId}")).NaErrorAsync(HttpStatusCode.NotFound, "100418");
    }

    [Fact]
    public async Task Device_CachedForItsApplication_IsMissingForAnother()
    {
        var owner = await shoal.NewApplicationAsync();
        var other = await shoal.NewApplicationAsync();
        var deviceId = await owner.Na.RegisterAsync("isolated-1");
        Assert.Equal(HttpStatusCode.OK, (await owner.Na.GetAsync($"{NaClient.DevicesPath}/{deviceId}")).StatusCode);

        await (await other.Na.GetAsync($"{NaClient.DevicesPath}/{deviceId}")).NaErrorAsync(HttpStatusCode.NotFound, "100418");
    }

    private async Task<NaApplication> CachedAsync()
    {
        var app = await shoal.NewApplicationAsync();
        Assert.Equal(HttpStatusCode.OK, (await app.Na.GetAsync(NaClient.DevicesPath)).StatusCode);
        return app;
    }
}

public sealed class NorthboundCacheTestsOnSqlite(ShoalApplication<SqliteDatabase> shoal) : NorthboundCacheTests<SqliteDatabase>(shoal);

public sealed class NorthboundCacheTestsOnPostgres(ShoalApplication<PostgresDatabase> shoal) : NorthboundCacheTests<PostgresDatabase>(shoal);
