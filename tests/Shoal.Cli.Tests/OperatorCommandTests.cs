namespace Shoal.Cli.Tests;

public sealed class OperatorCommandTests(CliServer server) : IDisposable
{
    private readonly CliRunner _cli = new(server);

    [Fact]
    public async Task UsersList_ShowsEveryAccount()
    {
        var user = await server.SignUpAsync("listed");
        await _cli.LoginAsync(server.OperatorAccount);

        var list = await _cli.RunAsync("users", "list", "--search", user.Email, "--json");

        Assert.Equal(0, list.ExitCode);
        Assert.Equal(user.Id, Assert.Single(list.Json.EnumerateArray()).GetProperty("id").GetGuid());
    }

    [Fact]
    public async Task UsersList_NotTheOperator_ExitsWithAuthCode()
    {
        await _cli.LoginAsNewUserAsync();

        var list = await _cli.RunAsync("users", "list", "--json");

        Assert.Equal(ExitCodes.Auth, list.ExitCode);
        Assert.Contains("403", list.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Quota_SetsTheUsersQuota()
    {
        var user = await server.SignUpAsync("quota");
        await _cli.LoginAsync(server.OperatorAccount);

        var quota = await _cli.RunAsync("quota", user.Id.ToString(), "7", "--json");

        Assert.Equal(0, quota.ExitCode);
        Assert.Equal(7, quota.Json.GetProperty("applicationQuota").GetInt32());
    }

    [Fact]
    public async Task FreezeAndUnfreeze_Application()
    {
        var owner = new CliRunner(server);
        await owner.LoginAsNewUserAsync();
        var app = await owner.NewApplicationAsync();
        await _cli.LoginAsync(server.OperatorAccount);

        var frozen = await _cli.RunAsync("freeze", "app", app, "--json");
        var shownFrozen = await owner.RunAsync("apps", "show", app, "--json");
        var unfrozen = await _cli.RunAsync("unfreeze", "app", app, "--json");
        var shownUnfrozen = await owner.RunAsync("apps", "show", app, "--json");
        owner.Dispose();

        Assert.Equal(0, frozen.ExitCode);
        Assert.True(shownFrozen.Json.GetProperty("frozen").GetBoolean());
        Assert.Equal(0, unfrozen.ExitCode);
        Assert.False(shownUnfrozen.Json.GetProperty("frozen").GetBoolean());
    }

    [Fact]
    public async Task Freeze_UnknownKind_ExitsWithUsageCode()
    {
        var result = await _cli.RunAsync("freeze", "planet", "earth");

        Assert.Equal(ExitCodes.Usage, result.ExitCode);
    }

    [Fact]
    public async Task ServersAndTraces_ListForTheOperator()
    {
        await _cli.LoginAsync(server.OperatorAccount);

        var email = await _cli.RunAsync("servers", "list", "email", "--json");
        var sms = await _cli.RunAsync("servers", "list", "sms", "--json");
        var traces = await _cli.RunAsync("traces", "list", "--json");

        Assert.Equal(0, email.ExitCode);
        Assert.Equal(System.Text.Json.JsonValueKind.Array, email.Json.ValueKind);
        Assert.Equal(0, sms.ExitCode);
        Assert.Equal(0, traces.ExitCode);
        Assert.Equal(System.Text.Json.JsonValueKind.Array, traces.Json.ValueKind);
    }

    public void Dispose() => _cli.Dispose();
}
