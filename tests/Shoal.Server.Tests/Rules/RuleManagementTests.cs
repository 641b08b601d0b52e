using System.Net;
using System.Net.Http.Json;
using Shoal.Server.Tests.Infrastructure;
using Shoal.Server.Tests.Northbound;

namespace Shoal.Server.Tests.Rules;

/// <summary>The owner's rules on the management API.</summary>
public abstract class RuleManagementTests<TDatabase>(ShoalApplication<TDatabase> shoal) : IClassFixture<ShoalApplication<TDatabase>>
    where TDatabase : ITestDatabase, new()
{
    private static object Rule(string recipient = "ops@example.com") => new
    {
        name = "hot",
        conditions = new[] { new { type = "DEVICE_DATA", deviceInfo = new { path = "Temperature/temperature" }, @operator = ">=", value = 30.5 } },
        actions = new[] { new { type = "EMAIL", recipients = new[] { recipient }, subject = "{deviceName} is hot", content = "{value}" } },
    };

    [Fact]
    public async Task Create_ValidRule_Answers201ActiveWithNoFiringYet()
    {
        var app = await shoal.NewApplicationAsync();

        var rule = await (await app.Owner.Client.PostAsJsonAsync(RulesPath(app), Rule())).JsonAsync(HttpStatusCode.Created);

        Assert.Equal("active", rule.GetProperty("status").GetString());
        Assert.Equal(300, rule.GetProperty("quietPeriod").GetInt32());
        Assert.Equal(System.Text.Json.JsonValueKind.Null, rule.GetProperty("lastFiredTime").ValueKind);
        Assert.Equal(0, rule.GetProperty("failures").GetInt32());
    }

    [Fact]
    public async Task Create_EmailActionWithNoServerRegistered_WarnsThatTheMailsWait()
    {
        var app = await shoal.NewApplicationAsync();

        var rule = await (await app.Owner.Client.PostAsJsonAsync(RulesPath(app), Rule())).JsonAsync(HttpStatusCode.Created);

        Assert.Contains("e-mail server", rule.GetProperty("warnings")[0].GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Create_MalformedRecipient_Answers400NamingTheFieldAndStoresNothing()
    {
        var app = await shoal.NewApplicationAsync();

        var response = await app.Owner.Client.PostAsJsonAsync(RulesPath(app), Rule("not-an-address"));

        Assert.Contains("not-an-address", await response.FieldErrorAsync("actions[0].recipients"), StringComparison.Ordinal);
        Assert.Equal(0, (await (await app.Owner.Client.GetAsync(RulesPath(app))).JsonAsync()).GetArrayLength());
    }

    [Fact]
    public async Task Create_OnSomeoneElsesApplication_Answers404()
    {
        var app = await shoal.NewApplicationAsync();
        var stranger = await shoal.SignUpAsync("stranger");

        var response = await stranger.Client.PostAsJsonAsync(RulesPath(app), Rule());

        await response.ProblemAsync(HttpStatusCode.NotFound);
        Assert.Equal(0, (await (await app.Owner.Client.GetAsync(RulesPath(app))).JsonAsync()).GetArrayLength());
    }

    [Fact]
    public async Task SetStatus_Inactive_AnswersTheInactiveRule()
    {
        var app = await shoal.NewApplicationAsync();
        var ruleId = (await (await app.Owner.Client.PostAsJsonAsync(RulesPath(app), Rule())).JsonAsync(HttpStatusCode.Created)).GetProperty("ruleId").GetString();

        var rule = await (await app.Owner.Client.PutAsJsonAsync($"{RulesPath(app)}/{ruleId}/status", new { status = "inactive" })).JsonAsync();

        Assert.Equal("inactive", rule.GetProperty("status").GetString());
    }

    [Fact]
    public async Task Delete_ExistingRule_Answers204AndTheRuleIsGone()
    {
        var app = await shoal.NewApplicationAsync();
        var ruleId = (await (await app.Owner.Client.PostAsJsonAsync(RulesPath(app), Rule())).JsonAsync(HttpStatusCode.Created)).GetProperty("ruleId").GetString();

        var response = await app.Owner.Client.DeleteAsync($"{RulesPath(app)}/{ruleId}");

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        await (await app.Owner.Client.GetAsync($"{RulesPath(app)}/{ruleId}")).ProblemAsync(HttpStatusCode.NotFound);
    }

    private static string RulesPath(NaApplication app) => $"/api/v1/applications/{app.Id}/rules";
}

public sealed class RuleManagementTestsOnSqlite(ShoalApplication<SqliteDatabase> shoal) : RuleManagementTests<SqliteDatabase>(shoal);

public sealed class RuleManagementTestsOnPostgres(ShoalApplication<PostgresDatabase> shoal) : RuleManagementTests<PostgresDatabase>(shoal);
