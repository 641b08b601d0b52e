using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Shoal.Server.Tests.Infrastructure;

namespace Shoal.Server.Tests.Accounts;

public abstract class ApiTokenTests<TDatabase>(ShoalApplication<TDatabase> shoal) : IClassFixture<ShoalApplication<TDatabase>>
    where TDatabase : ITestDatabase, new()
{
    [Fact]
    public async Task Token_Revoked_Gets401()
    {
        var user = await shoal.SignUpAsync();
        var (token, id) = await IssueTokenAsync(user);

        (await user.Client.DeleteAsync($"/api/v1/account/tokens/{id}")).EnsureSuccessStatusCode();

        Assert.Equal(HttpStatusCode.Unauthorized, (await Bearer(token).GetAsync("/api/v1/account")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await user.Client.GetAsync("/api/v1/account")).StatusCode);
    }

    [Fact]
    public async Task Token_PastItsExpiry_Gets401()
    {
        var user = await shoal.SignUpAsync();
        var (token, _) = await IssueTokenAsync(user, shoal.Time.GetUtcNow().AddHours(1));
        Assert.Equal(HttpStatusCode.OK, (await Bearer(token).GetAsync("/api/v1/account")).StatusCode);

        shoal.Time.Advance(TimeSpan.FromMinutes(61));

        Assert.Equal(HttpStatusCode.Unauthorized, (await Bearer(token).GetAsync("/api/v1/account")).StatusCode);
    }

    [Fact]
    public async Task CreateToken_ExpiryInThePast_IsRefused()
    {
        var user = await shoal.SignUpAsync();

        var response = await shoal.CreateClient().PostAsJsonAsync("/api/v1/tokens", new
        {
            email = user.Email, password = user.Password, name = "stale", expiresAt = shoal.Time.GetUtcNow().AddMinutes(-1),
        });

        await response.FieldErrorAsync("expiresAt");
        var tokens = await user.Client.GetFromJsonAsync<JsonElement>("/api/v1/account/tokens");
        Assert.Single(tokens.EnumerateArray());
    }

    [Fact]
    public async Task ListTokens_NeverContainsTheTokenItself()
    {
        var user = await shoal.SignUpAsync();
        var (second, _) = await IssueTokenAsync(user);

        var list = await user.Client.GetStringAsync("/api/v1/account/tokens");

        Assert.Equal(2, JsonDocument.Parse(list).RootElement.GetArrayLength());
        Assert.DoesNotContain(user.Token, list, StringComparison.Ordinal);
        Assert.DoesNotContain(second, list, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Token_OfAFrozenUser_Gets401()
    {
        var user = await shoal.SignUpAsync();

        (await shoal.Operator.PostAsync($"/api/v1/operator/users/{user.Id}/freeze", null)).EnsureSuccessStatusCode();

        Assert.Equal(HttpStatusCode.Unauthorized, (await user.Client.GetAsync("/api/v1/account")).StatusCode);
    }

    [Fact]
    public async Task Token_OfAnUnfrozenUser_WorksAgain()
    {
        var user = await shoal.SignUpAsync();
        (await shoal.Operator.PostAsync($"/api/v1/operator/users/{user.Id}/freeze", null)).EnsureSuccessStatusCode();

        (await shoal.Operator.PostAsync($"/api/v1/operator/users/{user.Id}/unfreeze", null)).EnsureSuccessStatusCode();

        Assert.Equal(HttpStatusCode.OK, (await user.Client.GetAsync("/api/v1/account")).StatusCode);
    }

    private async Task<(string Token, Guid Id)> IssueTokenAsync(TestUser user, DateTimeOffset? expiresAt = null)
    {
        var issued = await (await shoal.CreateClient().PostAsJsonAsync("/api/v1/tokens", new
        {
            email = user.Email, password = user.Password, name = "second", expiresAt,
        })).JsonAsync(HttpStatusCode.Created);
        return (issued.GetProperty("token").GetString()!, issued.GetProperty("details").GetProperty("id").GetGuid());
    }

    private HttpClient Bearer(string token)
    {
        var client = shoal.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }
}

public sealed class ApiTokenTestsOnSqlite(ShoalApplication<SqliteDatabase> shoal) : ApiTokenTests<SqliteDatabase>(shoal);

public sealed class ApiTokenTestsOnPostgres(ShoalApplication<PostgresDatabase> shoal) : ApiTokenTests<PostgresDatabase>(shoal);
