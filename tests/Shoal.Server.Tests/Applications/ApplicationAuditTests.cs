using System.Net.Http.Json;
using Shoal.Server.Tests.Infrastructure;
using static Shoal.Server.Tests.Infrastructure.ApplicationApi;

namespace Shoal.Server.Tests.Applications;

public abstract class ApplicationAuditTests<TDatabase>(ShoalApplication<TDatabase> shoal) : IClassFixture<ShoalApplication<TDatabase>>
    where TDatabase : ITestDatabase, new()
{
    [Fact]
    public async Task Audit_AfterCreateUpdateAndSecretReset_ListsThemNewestFirstWithTheActor()
    {
        var user = await shoal.SignUpAsync();
        var created = await user.Client.CreateApplicationAsync("audited");
        var id = created.GetProperty("applicationId").GetString()!;
        (await user.Client.PutAsJsonAsync($"{Route}/{id}", new { industry = "agriculture", description = "Now described" })).EnsureSuccessStatusCode();
        (await user.Client.PostAsJsonAsync($"{Route}/{id}/secret", new { })).EnsureSuccessStatusCode();

        var audit = await (await user.Client.GetAsync($"{Route}/{id}/audit")).JsonAsync();

        var entries = audit.GetProperty("items").EnumerateArray().ToArray();
        Assert.Equal(["application.secret-reset", "application.updated", "application.created"], entries.Select(e => e.GetProperty("action").GetString()));
        Assert.All(entries, e => Assert.Equal(user.Email, e.GetProperty("actor").GetString()));
        Assert.Contains("description", entries[1].GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Audit_NeverContainsTheSecret()
    {
        var user = await shoal.SignUpAsync();
        var created = await user.Client.CreateApplicationAsync("audited");
        var id = created.GetProperty("applicationId").GetString()!;
        var reset = await (await user.Client.PostAsJsonAsync($"{Route}/{id}/secret", new { graceMinutes = 5 })).JsonAsync();

        var audit = await user.Client.GetStringAsync($"{Route}/{id}/audit");

        Assert.DoesNotContain(created.GetProperty("secret").GetString()!, audit, StringComparison.Ordinal);
        Assert.DoesNotContain(reset.GetProperty("secret").GetString()!, audit, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Audit_AnotherUsersApplication_Answers404()
    {
        var owner = await shoal.SignUpAsync();
        var stranger = await shoal.SignUpAsync();
        var id = (await owner.Client.CreateApplicationAsync("private")).GetProperty("applicationId").GetString()!;

        var response = await stranger.Client.GetAsync($"{Route}/{id}/audit");

        await response.ProblemAsync(System.Net.HttpStatusCode.NotFound);
    }
}

public sealed class ApplicationAuditTestsOnSqlite(ShoalApplication<SqliteDatabase> shoal) : ApplicationAuditTests<SqliteDatabase>(shoal);

public sealed class ApplicationAuditTestsOnPostgres(ShoalApplication<PostgresDatabase> shoal) : ApplicationAuditTests<PostgresDatabase>(shoal);
