using System.Net;
using System.Net.Http.Json;
using System.Text;
using Shoal.Server.Tests.Infrastructure;

namespace Shoal.Server.Tests.Northbound;

/// <summary>Login, refreshToken and logout, as an NA written for the reference platform calls them.</summary>
public abstract class NorthboundLoginTests<TDatabase>(ShoalApplication<TDatabase> shoal) : IClassFixture<ShoalApplication<TDatabase>>
    where TDatabase : ITestDatabase, new()
{
    [Fact]
    public async Task Login_RightSecret_Answers200WithTheTokenPair()
    {
        var app = await shoal.NewApplicationAsync();

        var body = await (await NaClient.PostLoginAsync(shoal.CreateClient(), app.Id, app.Secret)).JsonAsync();

        Assert.Equal("default", body.GetProperty("scope").GetString());
        Assert.Equal("bearer", body.GetProperty("tokenType").GetString());
        Assert.Equal(3600, body.GetProperty("expiresIn").GetInt32());
        Assert.False(string.IsNullOrEmpty(body.GetProperty("accessToken").GetString()));
        Assert.False(string.IsNullOrEmpty(body.GetProperty("refreshToken").GetString()));
        Assert.NotEqual(body.GetProperty("accessToken").GetString(), body.GetProperty("refreshToken").GetString());
    }

    [Fact]
    public async Task Login_MissingAppId_Answers400102202()
    {
        var app = await shoal.NewApplicationAsync();

        var response = await NaClient.PostLoginAsync(shoal.CreateClient(), null, app.Secret);

        await response.NaErrorAsync(HttpStatusCode.BadRequest, "102202");
    }

    [Fact]
    public async Task Login_MissingSecret_Answers400102202()
    {
        var app = await shoal.NewApplicationAsync();

        var response = await NaClient.PostLoginAsync(shoal.CreateClient(), app.Id, null);

        await response.NaErrorAsync(HttpStatusCode.BadRequest, "102202");
    }

    [Fact]
    public async Task Login_WrongSecret_Answers401100208()
    {
        var app = await shoal.NewApplicationAsync();

        var response = await NaClient.PostLoginAsync(shoal.CreateClient(), app.Id, "0123456789abcdef0123456789abcdef");

        await response.NaErrorAsync(HttpStatusCode.Unauthorized, "100208");
    }

    [Fact]
    public async Task Login_UnknownAppId_Answers401100208()
    {
        var app = await shoal.NewApplicationAsync();

        var response = await NaClient.PostLoginAsync(shoal.CreateClient(), "no-such-application", app.Secret);

        await response.NaErrorAsync(HttpStatusCode.Unauthorized, "100208");
    }

    [Fact]
    public async Task Login_JsonInsteadOfForm_Answers400100022()
    {
        var app = await shoal.NewApplicationAsync();

        var response = await shoal.CreateClient().PostAsJsonAsync(NaClient.LoginPath, new { appId = app.Id, secret = app.Secret });

        await response.NaErrorAsync(HttpStatusCode.BadRequest, "100022");
    }

    [Fact]
    public async Task Login_After10WrongSecrets_Answers429WithRetryAfter()
    {
        shoal.Time.Advance(TimeSpan.FromMinutes(15));
        var app = await shoal.NewApplicationAsync();
        var client = shoal.CreateClient();
        for (var i = 0; i < 10; i++)
        {
            await (await NaClient.PostLoginAsync(client, app.Id, "wrong-secret")).NaErrorAsync(HttpStatusCode.Unauthorized, "100208");
        }

        var response = await NaClient.PostLoginAsync(client, app.Id, app.Secret);

        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        Assert.True(response.Headers.RetryAfter?.Delta > TimeSpan.Zero, $"Retry-After: {response.Headers.RetryAfter}");
        shoal.Time.Advance(TimeSpan.FromMinutes(15));
    }

    [Fact]
    public async Task RefreshToken_RightPair_IssuesANewPairThatWorks()
    {
        var app = await shoal.NewApplicationAsync();

        var body = await (await shoal.CreateClient().PostAsJsonAsync(NaClient.RefreshPath,
            new { appId = app.Id, secret = app.Secret, refreshToken = app.Na.RefreshToken })).JsonAsync();
        var refreshed = new NaClient(shoal.CreateClient(), app.Id) { AccessToken = body.GetProperty("accessToken").GetString()! };

        Assert.Equal("bearer", body.GetProperty("tokenType").GetString());
        Assert.Equal(3600, body.GetProperty("expiresIn").GetInt32());
        Assert.NotEqual(app.Na.RefreshToken, body.GetProperty("refreshToken").GetString());
        Assert.Equal(HttpStatusCode.OK, (await refreshed.GetAsync(NaClient.DevicesPath)).StatusCode);
    }

    [Fact]
    public async Task RefreshToken_RightPair_OldAccessTokenStopsWorking()
    {
        var app = await shoal.NewApplicationAsync();

        await (await shoal.CreateClient().PostAsJsonAsync(NaClient.RefreshPath,
            new { appId = app.Id, secret = app.Secret, refreshToken = app.Na.RefreshToken })).JsonAsync();

        await (await app.Na.GetAsync(NaClient.DevicesPath)).NaErrorAsync(HttpStatusCode.Forbidden, "1010005");
    }

    [Fact]
    public async Task RefreshToken_WrongRefreshToken_Answers401100208()
    {
        var app = await shoal.NewApplicationAsync();

        var response = await shoal.CreateClient().PostAsJsonAsync(NaClient.RefreshPath,
            new { appId = app.Id, secret = app.Secret, refreshToken = "0123456789abcdef0123456789abcdef" });

        await response.NaErrorAsync(HttpStatusCode.Unauthorized, "100208");
    }

    [Fact]
    public async Task RefreshToken_MissingRefreshToken_Answers400102202()
    {
        var app = await shoal.NewApplicationAsync();

        var response = await shoal.CreateClient().PostAsJsonAsync(NaClient.RefreshPath, new { appId = app.Id, secret = app.Secret });

        await response.NaErrorAsync(HttpStatusCode.BadRequest, "102202");
    }

    [Fact]
    public async Task RefreshToken_NotJson_Answers400100022()
    {
        var app = await shoal.NewApplicationAsync();

        var response = await shoal.CreateClient().PostAsync(NaClient.RefreshPath,
            new StringContent($"appId={app.Id}&secret={app.Secret}&refreshToken={app.Na.RefreshToken}", Encoding.UTF8, "text/plain"));

        await response.NaErrorAsync(HttpStatusCode.BadRequest, "100022");
    }

    [Fact]
    public async Task RefreshToken_MalformedJson_Answers400100022()
    {
        var response = await shoal.CreateClient().PostAsync(NaClient.RefreshPath,
            new StringContent("{\"appId\": ", Encoding.UTF8, "application/json"));

        await response.NaErrorAsync(HttpStatusCode.BadRequest, "100022");
    }

    [Fact]
    public async Task Logout_Answers204AndTheTokenStopsWorking()
    {
        var app = await shoal.NewApplicationAsync();

        var response = await shoal.CreateClient().PostAsJsonAsync(NaClient.LogoutPath, new { accessToken = app.Na.AccessToken });

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        await (await app.Na.GetAsync(NaClient.DevicesPath)).NaErrorAsync(HttpStatusCode.Forbidden, "1010005");
    }
}

public sealed class NorthboundLoginTestsOnSqlite(ShoalApplication<SqliteDatabase> shoal) : NorthboundLoginTests<SqliteDatabase>(shoal);

public sealed class NorthboundLoginTestsOnPostgres(ShoalApplication<PostgresDatabase> shoal) : NorthboundLoginTests<PostgresDatabase>(shoal);
