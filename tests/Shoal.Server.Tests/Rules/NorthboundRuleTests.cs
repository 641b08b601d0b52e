using System.Net;
using Shoal.Server.Tests.Infrastructure;
using Shoal.Server.Tests.Northbound;

namespace Shoal.Server.Tests.Rules;

/// <summary>The northbound rule calls, as an NA written for the reference platform makes them: raw paths and bodies.</summary>
public abstract class NorthboundRuleTests<TDatabase>(ShoalApplication<TDatabase> shoal) : IClassFixture<ShoalApplication<TDatabase>>
    where TDatabase : ITestDatabase, new()
{
    private const string Path = "/iocm/app/rule/v1.2.0/rules";

    private static string RuleJson(string name, string deviceId, string threshold = "30", string author = "alice") => $$"""
        {
          "appKey": "ignored-by-shoal",
          "name": "{{name}}",
          "description": "Too warm",
          "author": "{{author}}",
          "status": "active",
          "logic": "or",
          "conditions": [
            {"type": "DEVICE_DATA", "deviceInfo": {"deviceId": "{{deviceId}}", "path": "Temperature/temperature"}, "operator": ">", "value": "{{threshold}}"},
            {"type": "DEVICE_STATUS", "deviceInfo": {}, "status": "OFFLINE"}
          ],
          "timeRange": {"startTime": "08:00", "endTime": "18:00"},
          "actions": [
            {"type": "EMAIL", "recipients": ["ops@example.com"], "subject": "{deviceName} is at {value}", "content": "{property} of {deviceId} is {value} at {time}."},
            {"type": "SMS", "numbers": ["+4915112345678"], "content": "{deviceName}: {value}"},
            {"type": "RULE_EVENT"}
          ],
          "quietPeriod": 600
        }
        """;

    [Fact]
    public async Task Create_ValidRule_Answers200WithTheRuleId()
    {
        var app = await shoal.NewApplicationAsync();
        var deviceId = await app.Na.RegisterAsync("sensor-1");

        var created = await (await app.Na.SendAsync(HttpMethod.Post, Path, RuleJson("hot", deviceId))).JsonAsync();

        Assert.False(string.IsNullOrEmpty(created.GetProperty("ruleId").GetString()));
    }

    [Fact]
    public async Task Query_ByName_ReturnsTheRuleAsCreated()
    {
        var app = await shoal.NewApplicationAsync();
        var deviceId = await app.Na.RegisterAsync("sensor-1");
        await app.Na.SendAsync(HttpMethod.Post, Path, RuleJson("other", deviceId));
        var ruleId = (await (await app.Na.SendAsync(HttpMethod.Post, Path, RuleJson("hot", deviceId))).JsonAsync()).GetProperty("ruleId").GetString();

        var found = await (await app.Na.GetAsync($"{Path}?name=hot")).JsonAsync();

        var rule = Assert.Single(found.EnumerateArray());
        Assert.Equal(ruleId, rule.GetProperty("ruleId").GetString());
        Assert.Equal(app.Id, rule.GetProperty("appKey").GetString());
        Assert.Equal("active", rule.GetProperty("status").GetString());
        Assert.Equal("or", rule.GetProperty("logic").GetString());
        var data = rule.GetProperty("conditions")[0];
        Assert.Equal("DEVICE_DATA", data.GetProperty("type").GetString());
        Assert.Equal(deviceId, data.GetProperty("deviceInfo").GetProperty("deviceId").GetString());
        Assert.Equal("Temperature/temperature", data.GetProperty("deviceInfo").GetProperty("path").GetString());
        Assert.Equal(">", data.GetProperty("operator").GetString());
        Assert.Equal(30, data.GetProperty("value").GetDecimal());
        Assert.Equal("OFFLINE", rule.GetProperty("conditions")[1].GetProperty("status").GetString());
        Assert.Equal("08:00", rule.GetProperty("timeRange").GetProperty("startTime").GetString());
        Assert.Equal("ops@example.com", rule.GetProperty("actions")[0].GetProperty("recipients")[0].GetString());
        Assert.Equal("+4915112345678", rule.GetProperty("actions")[1].GetProperty("numbers")[0].GetString());
        Assert.Equal("RULE_EVENT", rule.GetProperty("actions")[2].GetProperty("type").GetString());
        Assert.Equal(600, rule.GetProperty("quietPeriod").GetInt32());
        Assert.Matches(@"^\d{8}T\d{6}Z$", rule.GetProperty("createTime").GetString());
    }

    [Fact]
    public async Task Query_ByAuthor_ReturnsOnlyThatAuthorsRules()
    {
        var app = await shoal.NewApplicationAsync();
        var deviceId = await app.Na.RegisterAsync("sensor-1");
        await app.Na.SendAsync(HttpMethod.Post, Path, RuleJson("by-alice", deviceId, author: "alice"));
        await app.Na.SendAsync(HttpMethod.Post, Path, RuleJson("by-bob", deviceId, author: "bob"));

        var found = await (await app.Na.GetAsync($"{Path}?author=bob")).JsonAsync();

        Assert.Equal("by-bob", Assert.Single(found.EnumerateArray()).GetProperty("name").GetString());
    }

    [Fact]
    public async Task Update_NewThreshold_IsWhatQueryReturns()
    {
        var app = await shoal.NewApplicationAsync();
        var deviceId = await app.Na.RegisterAsync("sensor-1");
        var ruleId = await CreateAsync(app, deviceId);
        var changed = RuleJson("hot", deviceId, threshold: "35").Replace("\"appKey\"", $"\"ruleId\": \"{ruleId}\", \"appKey\"", StringComparison.Ordinal);

        var updated = await (await app.Na.SendAsync(HttpMethod.Put, Path, changed)).JsonAsync();

        Assert.Equal(ruleId, updated.GetProperty("ruleId").GetString());
        var rule = await (await app.Na.GetAsync($"{Path}/{ruleId}")).JsonAsync();
        Assert.Equal(35, rule.GetProperty("conditions")[0].GetProperty("value").GetDecimal());
    }

    [Fact]
    public async Task Update_WithoutRuleId_Answers400102202()
    {
        var app = await shoal.NewApplicationAsync();
        var deviceId = await app.Na.RegisterAsync("sensor-1");

        var response = await app.Na.SendAsync(HttpMethod.Put, Path, RuleJson("hot", deviceId));

        await response.NaErrorAsync(HttpStatusCode.BadRequest, "102202");
    }

    [Fact]
    public async Task Update_UnknownRuleId_Answers404100225()
    {
        var app = await shoal.NewApplicationAsync();
        var deviceId = await app.Na.RegisterAsync("sensor-1");
        var body = RuleJson("hot", deviceId).Replace("\"appKey\"", "\"ruleId\": \"no-such-rule\", \"appKey\"", StringComparison.Ordinal);

        var response = await app.Na.SendAsync(HttpMethod.Put, Path, body);

        await response.NaErrorAsync(HttpStatusCode.NotFound, "100225");
    }

    [Fact]
    public async Task SetStatus_Inactive_IsWhatQueryReturns()
    {
        var app = await shoal.NewApplicationAsync();
        var ruleId = await CreateAsync(app, await app.Na.RegisterAsync("sensor-1"));

        var response = await app.Na.SendAsync(HttpMethod.Put, $"{Path}/{ruleId}/status/inactive");

        Assert.Equal("inactive", (await response.JsonAsync()).GetProperty("status").GetString());
        Assert.Equal("inactive", (await (await app.Na.GetAsync($"{Path}/{ruleId}")).JsonAsync()).GetProperty("status").GetString());
    }

    [Fact]
    public async Task SetStatus_UnknownStatus_Answers400100022AndChangesNothing()
    {
        var app = await shoal.NewApplicationAsync();
        var ruleId = await CreateAsync(app, await app.Na.RegisterAsync("sensor-1"));

        var response = await app.Na.SendAsync(HttpMethod.Put, $"{Path}/{ruleId}/status/paused");

        await response.NaErrorAsync(HttpStatusCode.BadRequest, "100022");
        Assert.Equal("active", (await (await app.Na.GetAsync($"{Path}/{ruleId}")).JsonAsync()).GetProperty("status").GetString());
    }

    [Fact]
    public async Task Delete_ExistingRule_Answers204AndTheRuleIsGone()
    {
        var app = await shoal.NewApplicationAsync();
        var ruleId = await CreateAsync(app, await app.Na.RegisterAsync("sensor-1"));

        var response = await app.Na.SendAsync(HttpMethod.Delete, $"{Path}/{ruleId}");

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        await (await app.Na.GetAsync($"{Path}/{ruleId}")).NaErrorAsync(HttpStatusCode.NotFound, "100225");
    }

    [Fact]
    public async Task Create_WithoutName_Answers400102202()
    {
        var app = await shoal.NewApplicationAsync();
        var body = RuleJson("hot", await app.Na.RegisterAsync("sensor-1")).Replace("\"name\": \"hot\",", "", StringComparison.Ordinal);

        var response = await app.Na.SendAsync(HttpMethod.Post, Path, body);

        await response.NaErrorAsync(HttpStatusCode.BadRequest, "102202");
    }

    [Theory]
    [InlineData("{deviceName} is at {value}", "{deviceName} is at {reading}")]
    [InlineData("[\"ops@example.com\"]", "[]")]
    [InlineData("[\"ops@example.com\"]", "[\"ops(at)example.com\"]")]
    [InlineData("[\"+4915112345678\"]", "[\"call me\"]")]
    [InlineData("\"value\": \"30\"", "\"value\": \"hot\"")]
    [InlineData("Temperature/temperature", "temperature")]
    [InlineData("\"operator\": \">\"", "\"operator\": \"=>\"")]
    [InlineData("\"startTime\": \"08:00\"", "\"startTime\": \"8 am\"")]
    public async Task Create_BadInput_Answers400100022AndStoresNothing(string valid, string broken)
    {
        var app = await shoal.NewApplicationAsync();
        var body = RuleJson("hot", await app.Na.RegisterAsync("sensor-1")).Replace(valid, broken, StringComparison.Ordinal);

        var response = await app.Na.SendAsync(HttpMethod.Post, Path, body);

        await response.NaErrorAsync(HttpStatusCode.BadRequest, "100022");
        Assert.Equal(0, (await (await app.Na.GetAsync(Path)).JsonAsync()).GetArrayLength());
    }

    [Fact]
    public async Task Create_DeviceOfAnotherApplication_Answers400100022NamingTheDevice()
    {
        var app = await shoal.NewApplicationAsync();
        var other = await shoal.NewApplicationAsync();
        var foreignDevice = await other.Na.RegisterAsync("sensor-1");

        var response = await app.Na.SendAsync(HttpMethod.Post, Path, RuleJson("hot", foreignDevice));

        var error = await response.JsonAsync(HttpStatusCode.BadRequest);
        Assert.Equal("100022", error.GetProperty("error_code").GetString());
        Assert.Contains(foreignDevice, error.GetProperty("error_desc").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Query_AnotherApplicationsRules_AreNotListed()
    {
        var app = await shoal.NewApplicationAsync();
        var other = await shoal.NewApplicationAsync();
        await CreateAsync(other, await other.Na.RegisterAsync("sensor-1"));

        var found = await (await app.Na.GetAsync(Path)).JsonAsync();

        Assert.Equal(0, found.GetArrayLength());
    }

    [Fact]
    public async Task Delete_AnotherApplicationsRule_Answers404AndKeepsIt()
    {
        var app = await shoal.NewApplicationAsync();
        var other = await shoal.NewApplicationAsync();
        var ruleId = await CreateAsync(other, await other.Na.RegisterAsync("sensor-1"));

        var response = await app.Na.SendAsync(HttpMethod.Delete, $"{Path}/{ruleId}");

        await response.NaErrorAsync(HttpStatusCode.NotFound, "100225");
        Assert.Equal(HttpStatusCode.OK, (await other.Na.GetAsync($"{Path}/{ruleId}")).StatusCode);
    }

    private static async Task<string> CreateAsync(NaApplication app, string deviceId) =>
        (await (await app.Na.SendAsync(HttpMethod.Post, Path, RuleJson("hot", deviceId))).JsonAsync()).GetProperty("ruleId").GetString()!;
}

public sealed class NorthboundRuleTestsOnSqlite(ShoalApplication<SqliteDatabase> shoal) : NorthboundRuleTests<SqliteDatabase>(shoal);

public sealed class NorthboundRuleTestsOnPostgres(ShoalApplication<PostgresDatabase> shoal) : NorthboundRuleTests<PostgresDatabase>(shoal);
