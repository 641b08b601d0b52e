using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Shoal.Server.Tests.Infrastructure;
using static Shoal.Server.Tests.Infrastructure.ApplicationApi;

namespace Shoal.Server.Tests.Operations;

public abstract class OperatorTests<TDatabase>(ShoalApplication<TDatabase> shoal) : IClassFixture<ShoalApplication<TDatabase>>
    where TDatabase : ITestDatabase, new()
{
    private const string SomeId = "0197a3b4-0000-7000-8000-000000000001";

    [Theory]
    [InlineData("GET", "/api/v1/operator/users")]
    [InlineData("PUT", $"/api/v1/operator/users/{SomeId}/quota")]
    [InlineData("POST", $"/api/v1/operator/users/{SomeId}/freeze")]
    [InlineData("POST", $"/api/v1/operator/users/{SomeId}/unfreeze")]
    [InlineData("GET", "/api/v1/operator/applications")]
    [InlineData("POST", "/api/v1/operator/applications/some-app/freeze")]
    [InlineData("POST", "/api/v1/operator/applications/some-app/unfreeze")]
    [InlineData("GET", "/api/v1/operator/settings")]
    [InlineData("PUT", "/api/v1/operator/settings")]
    [InlineData("GET", "/api/v1/operator/email-servers")]
    [InlineData("POST", "/api/v1/operator/email-servers")]
    [InlineData("PUT", $"/api/v1/operator/email-servers/{SomeId}")]
    [InlineData("DELETE", $"/api/v1/operator/email-servers/{SomeId}")]
    [InlineData("GET", "/api/v1/operator/sms-servers")]
    [InlineData("POST", "/api/v1/operator/sms-servers")]
    [InlineData("PUT", $"/api/v1/operator/sms-servers/{SomeId}")]
    [InlineData("DELETE", $"/api/v1/operator/sms-servers/{SomeId}")]
    public async Task OperatorRoute_AsNormalUser_Answers403(string method, string route)
    {
        var user = await shoal.SignUpAsync();

        var response = await user.Client.SendAsync(new HttpRequestMessage(new HttpMethod(method), route) { Content = JsonContent.Create(new { }) });

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    [Fact]
    public async Task Users_SearchByEmail_FindsTheUserWithApplicationCount()
    {
        var user = await shoal.SignUpAsync("searched");
        await user.Client.CreateApplicationAsync("one");
        await user.Client.CreateApplicationAsync("two");

        var found = await shoal.Operator.GetFromJsonAsync<JsonElement>($"/api/v1/operator/users?search={Uri.EscapeDataString(user.Email)}");

        var row = Assert.Single(found.GetProperty("items").EnumerateArray());
        Assert.Equal(user.Id, row.GetProperty("id").GetGuid());
        Assert.Equal(3, row.GetProperty("applicationCount").GetInt32());
        Assert.Equal(10, row.GetProperty("applicationQuota").GetInt32());
    }

    [Fact]
    public async Task SetQuota_IsWrittenToTheUsersAuditLog()
    {
        var user = await shoal.SignUpAsync();

        (await shoal.Operator.PutAsJsonAsync($"/api/v1/operator/users/{user.Id}/quota", new { quota = 15 })).EnsureSuccessStatusCode();

        var audit = await user.Client.GetFromJsonAsync<JsonElement>("/api/v1/account/audit");
        var entry = audit.GetProperty("items").EnumerateArray().First();
        Assert.Equal("user.quota-changed", entry.GetProperty("action").GetString());
        Assert.Contains("15", entry.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task FreezeApplication_ShowsFrozenToTheOwnerAndInTheirAuditLog()
    {
        var owner = await shoal.SignUpAsync();
        var id = (await owner.Client.CreateApplicationAsync("cold")).GetProperty("applicationId").GetString()!;

        (await shoal.Operator.PostAsync($"/api/v1/operator/applications/{id}/freeze", null)).EnsureSuccessStatusCode();

        Assert.True((await owner.Client.GetApplicationAsync(id)).GetProperty("frozen").GetBoolean());
        var audit = await owner.Client.GetFromJsonAsync<JsonElement>("/api/v1/account/audit");
        var entry = audit.GetProperty("items").EnumerateArray().First();
        Assert.Equal("application.frozen", entry.GetProperty("action").GetString());
        Assert.Equal(id, entry.GetProperty("applicationId").GetString());
    }

    [Fact]
    public async Task UpdateSettings_HistoryMaxDays30_LetsApplicationsKeep30Days()
    {
        var user = await shoal.SignUpAsync();

        (await shoal.Operator.PutAsJsonAsync("/api/v1/operator/settings", new { historyMaxDays = 30 })).EnsureSuccessStatusCode();
        var created = await user.Client.CreateApplicationAsync("long-memory", ("storageDays", 30));

        Assert.Equal(30, created.GetProperty("application").GetProperty("storageDays").GetInt32());
    }

    [Fact]
    public async Task UpdateSettings_HistoryMaxDays91_IsRefusedAndKeepsTheSetting()
    {
        var before = await shoal.Operator.GetFromJsonAsync<JsonElement>("/api/v1/operator/settings");

        var response = await shoal.Operator.PutAsJsonAsync("/api/v1/operator/settings", new { historyMaxDays = 91 });

        await response.FieldErrorAsync("historyMaxDays");
        var after = await shoal.Operator.GetFromJsonAsync<JsonElement>("/api/v1/operator/settings");
        Assert.Equal(before.GetProperty("historyMaxDays").GetInt32(), after.GetProperty("historyMaxDays").GetInt32());
    }
}

public sealed class OperatorTestsOnSqlite(ShoalApplication<SqliteDatabase> shoal) : OperatorTests<SqliteDatabase>(shoal);

public sealed class OperatorTestsOnPostgres(ShoalApplication<PostgresDatabase> shoal) : OperatorTests<PostgresDatabase>(shoal);
