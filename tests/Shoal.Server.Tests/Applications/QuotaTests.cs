using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Shoal.Server.Tests.Infrastructure;
using static Shoal.Server.Tests.Infrastructure.ApplicationApi;

namespace Shoal.Server.Tests.Applications;

public abstract class QuotaTests<TDatabase>(ShoalApplication<TDatabase> shoal) : IClassFixture<ShoalApplication<TDatabase>>
    where TDatabase : ITestDatabase, new()
{
    [Fact]
    public async Task Create_EleventhApplication_Answers409AskingTheOperator()
    {
        var user = await FillQuotaAsync();

        var response = await user.Client.PostAsJsonAsync(Route, Body("app-10"));

        var problem = await response.ProblemAsync(HttpStatusCode.Conflict);
        Assert.Contains("ask the operator", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(10, await user.Client.CountApplicationsAsync());
    }

    [Fact]
    public async Task Create_AfterTheOperatorRaisesTheQuota_Succeeds()
    {
        var user = await FillQuotaAsync();

        (await shoal.Operator.PutAsJsonAsync($"/api/v1/operator/users/{user.Id}/quota", new { quota = 11 })).EnsureSuccessStatusCode();
        await user.Client.CreateApplicationAsync("app-10");

        Assert.Equal(11, await user.Client.CountApplicationsAsync());
    }

    [Fact]
    public async Task SetQuota_Zero_IsRefusedAndKeepsTheQuota()
    {
        var user = await shoal.SignUpAsync();

        var response = await shoal.Operator.PutAsJsonAsync($"/api/v1/operator/users/{user.Id}/quota", new { quota = 0 });

        await response.FieldErrorAsync("quota");
        var account = await user.Client.GetFromJsonAsync<JsonElement>("/api/v1/account");
        Assert.Equal(10, account.GetProperty("applicationQuota").GetInt32());
    }

    /// <summary>A new user with the default application and nine more: ten of ten.</summary>
    private async Task<TestUser> FillQuotaAsync()
    {
        var user = await shoal.SignUpAsync();
        for (var i = 1; i < 10; i++)
        {
            await user.Client.CreateApplicationAsync($"app-{i}");
        }
        return user;
    }
}

public sealed class QuotaTestsOnSqlite(ShoalApplication<SqliteDatabase> shoal) : QuotaTests<SqliteDatabase>(shoal);

public sealed class QuotaTestsOnPostgres(ShoalApplication<PostgresDatabase> shoal) : QuotaTests<PostgresDatabase>(shoal);
