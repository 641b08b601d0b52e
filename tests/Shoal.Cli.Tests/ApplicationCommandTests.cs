namespace Shoal.Cli.Tests;

public sealed class ApplicationCommandTests(CliServer server) : IDisposable
{
    private readonly CliRunner _cli = new(server);

    [Fact]
    public async Task Create_ShowsSecretOnceAndKeepsItInTheProfile()
    {
        await _cli.LoginAsNewUserAsync();

        var created = await _cli.RunAsync("apps", "create", "greenhouse", "--accept-terms", "--json");

        Assert.Equal(0, created.ExitCode);
        var id = created.Json.GetProperty("applicationId").GetString()!;
        var secret = created.Json.GetProperty("secret").GetString()!;
        Assert.Equal(secret, Profiles.Load(_cli.ConfigDirectory).Entries[Profiles.DefaultName].Secrets[id]);
    }

    [Fact]
    public async Task List_ShowsTheUsersApplications()
    {
        await _cli.LoginAsNewUserAsync();
        var app = await _cli.NewApplicationAsync();

        var list = await _cli.RunAsync("apps", "list", "--json");
        var table = await _cli.RunAsync("apps", "list");

        list.AssertOk();
        Assert.Contains(app, list.Json.EnumerateArray().Select(a => a.GetProperty("id").GetString()));
        Assert.Contains(app, table.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Show_UnknownApplication_ExitsRefusedWithTheServersWords()
    {
        await _cli.LoginAsNewUserAsync();

        var show = await _cli.RunAsync("apps", "show", "no-such-app", "--json");

        Assert.Equal(ExitCodes.Refused, show.ExitCode);
        Assert.Contains("404", show.Error, StringComparison.Ordinal);
        Assert.Equal("", show.Out);
    }

    [Fact]
    public async Task Create_BadName_ShowsTheFieldError()
    {
        await _cli.LoginAsNewUserAsync();

        var created = await _cli.RunAsync("apps", "create", "not a name!", "--accept-terms");

        Assert.Equal(ExitCodes.Refused, created.ExitCode);
        Assert.Contains("name:", created.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ResetSecret_NewSecretReplacesTheKeptOne()
    {
        await _cli.LoginAsNewUserAsync();
        var app = await _cli.NewApplicationAsync();
        var before = Profiles.Load(_cli.ConfigDirectory).Entries[Profiles.DefaultName].Secrets[app];

        var reset = await _cli.RunAsync("apps", "reset-secret", app, "--json");

        Assert.Equal(0, reset.ExitCode);
        var secret = reset.Json.GetProperty("secret").GetString();
        Assert.NotEqual(before, secret);
        Assert.Equal(secret, Profiles.Load(_cli.ConfigDirectory).Entries[Profiles.DefaultName].Secrets[app]);
    }

    [Fact]
    public async Task Delete_WithoutYes_ExitsUsageAndKeepsTheApplication()
    {
        await _cli.LoginAsNewUserAsync();
        var app = await _cli.NewApplicationAsync();

        var refused = await _cli.RunAsync("apps", "delete", app);

        Assert.Equal(ExitCodes.Usage, refused.ExitCode);
        Assert.Equal(0, (await _cli.RunAsync("apps", "show", app, "--json")).ExitCode);
    }

    [Fact]
    public async Task Delete_WithYes_RemovesTheApplication()
    {
        await _cli.LoginAsNewUserAsync();
        var app = await _cli.NewApplicationAsync();

        var deleted = await _cli.RunAsync("apps", "delete", app, "--yes", "--json");

        Assert.Equal(0, deleted.ExitCode);
        Assert.Equal(ExitCodes.Refused, (await _cli.RunAsync("apps", "show", app, "--json")).ExitCode);
    }

    public void Dispose() => _cli.Dispose();
}
