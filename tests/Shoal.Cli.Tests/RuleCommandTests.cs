namespace Shoal.Cli.Tests;

public sealed class RuleCommandTests(CliServer server) : IDisposable
{
    private const string Rule = """
        {"name": "too warm", "conditions": [{"type": "DEVICE_DATA", "deviceInfo": {"path": "Simulated/temperature"}, "operator": ">", "value": 30}],
         "actions": [{"type": "RULE_EVENT"}]}
        """;

    private readonly CliRunner _cli = new(server);

    [Fact]
    public async Task CreateDisableEnable_ListShowsEachStatus()
    {
        await _cli.LoginAsNewUserAsync();
        var app = await _cli.NewApplicationAsync();
        var file = Path.Combine(_cli.ConfigDirectory, "rule.json");
        await File.WriteAllTextAsync(file, Rule, TestContext.Current.CancellationToken);

        var created = await _cli.RunAsync("rules", "create", file, "--app", app, "--json");
        var id = created.Json.GetProperty("ruleId").GetString()!;
        var disabled = await _cli.RunAsync("rules", "disable", id, "--app", app, "--json");
        var listed = await _cli.RunAsync("rules", "list", "--app", app, "--json");
        var enabled = await _cli.RunAsync("rules", "enable", id, "--app", app, "--json");

        Assert.Equal(0, created.ExitCode);
        Assert.Equal("inactive", disabled.Json.GetProperty("status").GetString());
        Assert.Equal("inactive", Assert.Single(listed.Json.EnumerateArray()).GetProperty("status").GetString());
        Assert.Equal("active", enabled.Json.GetProperty("status").GetString());
    }

    [Fact]
    public async Task Create_NotJson_ExitsWithUsageCodeAndCreatesNothing()
    {
        await _cli.LoginAsNewUserAsync();
        var app = await _cli.NewApplicationAsync();
        var file = Path.Combine(_cli.ConfigDirectory, "rule.json");
        await File.WriteAllTextAsync(file, "{name: oops", TestContext.Current.CancellationToken);

        var created = await _cli.RunAsync("rules", "create", file, "--app", app);

        Assert.Equal(ExitCodes.Usage, created.ExitCode);
        Assert.Equal(0, (await _cli.RunAsync("rules", "list", "--app", app, "--json")).Json.GetArrayLength());
    }

    public void Dispose() => _cli.Dispose();
}
