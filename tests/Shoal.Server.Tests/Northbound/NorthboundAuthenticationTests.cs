using System.Net;
using System.Net.Http.Json;
using Shoal.Server.Tests.Infrastructure;
using static Shoal.Server.Tests.Infrastructure.ApplicationApi;

namespace Shoal.Server.Tests.Northbound;

/// <summary>What every authenticated northbound call checks: app_key, the token, the application's state and its call rate.</summary>
public abstract class NorthboundAuthenticationTests<TDatabase>(ShoalApplication<TDatabase> shoal) : IClassFixture<ShoalApplication<TDatabase>>
    where TDatabase : ITestDatabase, new()
{
    [Fact]
    public async Task Call_WithoutAppKey_Answers401100025()
    {
        var app = await shoal.NewApplicationAsync();
        var request = new HttpRequestMessage(HttpMethod.Get, NaClient.DevicesPath);
        request.Headers.Add("Authorization", "Bearer " + app.Na.AccessToken);

        var response = await shoal.CreateClient().SendAsync(request);

        await response.NaErrorAsync(HttpStatusCode.Unauthorized, "100025");
    }

    [Fact]
    public async Task Call_GarbageToken_Answers4031010005()
    {
        var app = await shoal.NewApplicationAsync();
        var na = new NaClient(shoal.CreateClient(), app.Id) { AccessToken = "0123456789abcdef0123456789abcdef" };

        var response = await na.GetAsync(NaClient.DevicesPath);

        await response.NaErrorAsync(HttpStatusCode.Forbidden, "1010005");
    }

    [Fact]
    public async Task Call_WithoutToken_Answers4031010005()
    {
        var app = await shoal.NewApplicationAsync();
        var request = new HttpRequestMessage(HttpMethod.Get, NaClient.DevicesPath);
        request.Headers.Add("app_key", app.Id);

        var response = await shoal.CreateClient().SendAsync(request);

        await response.NaErrorAsync(HttpStatusCode.Forbidden, "1010005");
    }

    [Fact]
    public async Task Call_TokenOfAWithAppKeyOfB_Answers4031010005()
    {
        var a = await shoal.NewApplicationAsync();
        var b = await shoal.NewApplicationAsync();
        var mixed = new NaClient(shoal.CreateClient(), b.Id) { AccessToken = a.Na.AccessToken };

        var response = await mixed.GetAsync(NaClient.DevicesPath);

        await response.NaErrorAsync(HttpStatusCode.Forbidden, "1010005");
    }

    [Fact]
    public async Task Call_LegacyAccessTokenHeader_IsAccepted()
    {
        var app = await shoal.NewApplicationAsync();
        var request = new HttpRequestMessage(HttpMethod.Get, NaClient.DevicesPath);
        request.Headers.Add("app_key", app.Id);
        request.Headers.Add("access_token", app.Na.AccessToken);

        var response = await shoal.CreateClient().SendAsync(request);

        Assert.Equal(0, (await response.JsonAsync()).GetProperty("totalCount").GetInt32());
    }

    [Fact]
    public async Task Call_TokenOlderThanOneHour_Answers4031010005()
    {
        var app = await shoal.NewApplicationAsync();

        shoal.Time.Advance(TimeSpan.FromMinutes(61));
        var response = await app.Na.GetAsync(NaClient.DevicesPath);

        await response.NaErrorAsync(HttpStatusCode.Forbidden, "1010005");
    }

    [Fact]
    public async Task Call_TokenReplacedByASecondLogin_Answers4031010005()
    {
        var app = await shoal.NewApplicationAsync();
        var second = new NaClient(shoal.CreateClient(), app.Id);
        await second.LoginAsync(app.Secret);

        var response = await app.Na.GetAsync(NaClient.DevicesPath);

        await response.NaErrorAsync(HttpStatusCode.Forbidden, "1010005");
        Assert.Equal(HttpStatusCode.OK, (await second.GetAsync(NaClient.DevicesPath)).StatusCode);
    }

    [Fact]
    public async Task Call_AfterSecretReset_Answers4031010005()
    {
        var app = await shoal.NewApplicationAsync();
        Assert.Equal(HttpStatusCode.OK, (await app.Na.GetAsync(NaClient.DevicesPath)).StatusCode);

        (await app.Owner.Client.PostAsJsonAsync($"{Route}/{app.Id}/secret", new { })).EnsureSuccessStatusCode();
        var response = await app.Na.GetAsync(NaClient.DevicesPath);

        await response.NaErrorAsync(HttpStatusCode.Forbidden, "1010005");
    }

    [Fact]
    public async Task Call_ApplicationFrozenByTheOperator_Answers400100247()
    {
        var app = await shoal.NewApplicationAsync();

        (await shoal.Operator.PostAsync($"/api/v1/operator/applications/{app.Id}/freeze", null)).EnsureSuccessStatusCode();
        var response = await app.Na.GetAsync(NaClient.DevicesPath);

        await response.NaErrorAsync(HttpStatusCode.BadRequest, "100247");
    }

    [Fact]
    public async Task Login_ApplicationFrozenByTheOperator_Answers400100247()
    {
        var app = await shoal.NewApplicationAsync();

        (await shoal.Operator.PostAsync($"/api/v1/operator/applications/{app.Id}/freeze", null)).EnsureSuccessStatusCode();
        var response = await NaClient.PostLoginAsync(shoal.CreateClient(), app.Id, app.Secret);

        await response.NaErrorAsync(HttpStatusCode.BadRequest, "100247");
    }

    [Fact]
    public async Task Call_ApplicationDeleted_Answers4031010005()
    {
        var app = await shoal.NewApplicationAsync();

        Assert.Equal(HttpStatusCode.NoContent, (await app.Owner.Client.DeleteAsync($"{Route}/{app.Id}?confirmName={app.Name}")).StatusCode);
        var response = await app.Na.GetAsync(NaClient.DevicesPath);

        await response.NaErrorAsync(HttpStatusCode.Forbidden, "1010005");
    }

    [Fact]
    public async Task Call_101stWithin60Seconds_Answers4031010009()
    {
        var app = await shoal.NewApplicationAsync();
        for (var i = 0; i < 100; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await app.Na.GetAsync(NaClient.DevicesPath)).StatusCode);
        }

        var response = await app.Na.GetAsync(NaClient.DevicesPath);

        await response.NaErrorAsync(HttpStatusCode.Forbidden, "1010009");
    }

    [Fact]
    public async Task Call_60SecondsAfterBeingThrottled_WorksAgain()
    {
        var app = await shoal.NewApplicationAsync();
        for (var i = 0; i < 100; i++)
        {
            await app.Na.GetAsync(NaClient.DevicesPath);
        }
        await (await app.Na.GetAsync(NaClient.DevicesPath)).NaErrorAsync(HttpStatusCode.Forbidden, "1010009");

        shoal.Time.Advance(TimeSpan.FromSeconds(60));
        var response = await app.Na.GetAsync(NaClient.DevicesPath);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }
}

public sealed class NorthboundAuthenticationTestsOnSqlite(ShoalApplication<SqliteDatabase> shoal) : NorthboundAuthenticationTests<SqliteDatabase>(shoal);

public sealed class NorthboundAuthenticationTestsOnPostgres(ShoalApplication<PostgresDatabase> shoal) : NorthboundAuthenticationTests<PostgresDatabase>(shoal);
