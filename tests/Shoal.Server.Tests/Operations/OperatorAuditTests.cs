using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Shoal.Server.Tests.Infrastructure;
using static Shoal.Server.Tests.Infrastructure.ApplicationApi;

namespace Shoal.Server.Tests.Operations;

/// <summary>Every operator action lands in the audit log of the user or application it concerns, or in the operator's own.</summary>
public abstract class OperatorAuditTests<TDatabase>(ShoalApplication<TDatabase> shoal) : IClassFixture<ShoalApplication<TDatabase>>
    where TDatabase : ITestDatabase, new()
{
    [Fact]
    public async Task FreezeAndUnfreezeUser_AreWrittenToTheUsersAuditLog()
    {
        var user = await shoal.SignUpAsync();

        (await shoal.Operator.PostAsync($"/api/v1/operator/users/{user.Id}/freeze", null)).EnsureSuccessStatusCode();
        (await shoal.Operator.PostAsync($"/api/v1/operator/users/{user.Id}/unfreeze", null)).EnsureSuccessStatusCode();

        var entries = await EntriesAsync(user.Client, "/api/v1/account/audit");
        Assert.Equal(["user.unfrozen", "user.frozen"], entries.Take(2).Select(e => e.GetProperty("action").GetString()));
        Assert.All(entries.Take(2), e => Assert.EndsWith("(operator)", e.GetProperty("actor").GetString(), StringComparison.Ordinal));
    }

    [Fact]
    public async Task UnfreezeApplication_IsWrittenToTheApplicationsAuditLog()
    {
        var owner = await shoal.SignUpAsync();
        var id = (await owner.Client.CreateApplicationAsync("thawed")).GetProperty("applicationId").GetString()!;
        (await shoal.Operator.PostAsync($"/api/v1/operator/applications/{id}/freeze", null)).EnsureSuccessStatusCode();

        (await shoal.Operator.PostAsync($"/api/v1/operator/applications/{id}/unfreeze", null)).EnsureSuccessStatusCode();

        var entry = (await EntriesAsync(owner.Client, $"{Route}/{id}/audit"))[0];
        Assert.Equal("application.unfrozen", entry.GetProperty("action").GetString());
        Assert.EndsWith("(operator)", entry.GetProperty("actor").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task UpdateSettings_IsWrittenToTheOperatorsAuditLog()
    {
        (await shoal.Operator.PutAsJsonAsync("/api/v1/operator/settings", new { historyMaxDays = 45 })).EnsureSuccessStatusCode();

        var entry = (await EntriesAsync(shoal.Operator, "/api/v1/account/audit"))[0];
        Assert.Equal("platform.settings-changed", entry.GetProperty("action").GetString());
        Assert.Contains("→ 45 days", entry.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("email-servers", "email-server")]
    [InlineData("sms-servers", "sms-server")]
    public async Task CreateUpdateDeleteServer_AreWrittenToTheOperatorsAuditLog(string route, string action)
    {
        var name = $"audited-{Guid.NewGuid():N}";
        var path = $"/api/v1/operator/{route}";
        var id = (await (await shoal.Operator.PostAsync(path, Server(route, name))).JsonAsync(HttpStatusCode.Created)).GetProperty("id").GetGuid();
        (await shoal.Operator.PutAsync($"{path}/{id}", Server(route, name))).EnsureSuccessStatusCode();
        (await shoal.Operator.DeleteAsync($"{path}/{id}")).EnsureSuccessStatusCode();

        var actions = (await EntriesAsync(shoal.Operator, "/api/v1/account/audit"))
            .Where(e => e.GetProperty("detail").GetString()!.Contains(name, StringComparison.Ordinal))
            .Select(e => e.GetProperty("action").GetString());
        Assert.Equal([$"{action}.deleted", $"{action}.updated", $"{action}.created"], actions);
    }

    [Theory]
    [InlineData("email-servers", "email-server", "someone@example.com")]
    [InlineData("sms-servers", "sms-server", "+4915112345678")]
    public async Task TestSend_IsWrittenToTheOperatorsAuditLogWithItsOutcome(string route, string action, string to)
    {
        var name = $"tested-{Guid.NewGuid():N}";
        var path = $"/api/v1/operator/{route}";
        var id = (await (await shoal.Operator.PostAsync(path, Server(route, name))).JsonAsync(HttpStatusCode.Created)).GetProperty("id").GetGuid();

        var sent = await (await shoal.Operator.PostAsJsonAsync($"{path}/{id}/test", new { to })).JsonAsync();

        Assert.False(sent.GetProperty("sent").GetBoolean());
        var entry = (await EntriesAsync(shoal.Operator, "/api/v1/account/audit"))[0];
        Assert.Equal($"{action}.tested", entry.GetProperty("action").GetString());
        Assert.Contains($"'{name}' to {to}: failed", entry.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    /// <summary>A server on a closed loopback port: every send through it fails at once.</summary>
    private static JsonContent Server(string route, string name) => route == "email-servers"
        ? JsonContent.Create(new { name, host = "127.0.0.1", port = FreePorts.Next(), tlsMode = "None", senderAddress = "iot@example.com" })
        : JsonContent.Create(new { name, method = "POST", urlTemplate = $"http://127.0.0.1:{FreePorts.Next()}/send" });

    private static async Task<List<JsonElement>> EntriesAsync(HttpClient client, string path) =>
        [.. (await client.GetFromJsonAsync<JsonElement>(path)).GetProperty("items").EnumerateArray()];
}

public sealed class OperatorAuditTestsOnSqlite(ShoalApplication<SqliteDatabase> shoal) : OperatorAuditTests<SqliteDatabase>(shoal);

public sealed class OperatorAuditTestsOnPostgres(ShoalApplication<PostgresDatabase> shoal) : OperatorAuditTests<PostgresDatabase>(shoal);
