namespace Shoal.Cli.Tests;

public sealed class AccountCommandTests(CliServer server) : IDisposable
{
    private readonly CliRunner _cli = new(server);

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task Login_RightPassword_KeepsTokenInFileOnlyTheUserCanRead()
    {
        var user = await _cli.LoginAsNewUserAsync();

        var file = Profiles.PathIn(_cli.ConfigDirectory);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
        Assert.Contains(user.Email, await File.ReadAllTextAsync(file, TestContext.Current.CancellationToken), StringComparison.Ordinal);
        Assert.Equal(0, (await _cli.RunAsync("apps", "list", "--json")).ExitCode);
    }

    [Fact]
    public async Task Login_WrongPassword_ExitsWithAuthCodeAndSavesNothing()
    {
        var user = await server.SignUpAsync("cli");

        var login = await _cli.RunAsync("login", "--server", server.Portal.ToString(), "--email", user.Email, "--password", "not the password");

        Assert.Equal(ExitCodes.Auth, login.ExitCode);
        Assert.Contains("401", login.Error, StringComparison.Ordinal);
        Assert.Equal("", login.Out);
        Assert.False(File.Exists(Profiles.PathIn(_cli.ConfigDirectory)));
    }

    [Fact]
    public async Task Command_NotLoggedIn_ExitsWithAuthCodeAndSaysHowToLogIn()
    {
        var list = await _cli.RunAsync("apps", "list", "--json");

        Assert.Equal(ExitCodes.Auth, list.ExitCode);
        Assert.Contains("shoal login", list.Error, StringComparison.Ordinal);
        Assert.Equal("", list.Out);
    }

    [Fact]
    public async Task Command_TokenRefused_ExitsWithAuthCode()
    {
        await _cli.LoginAsNewUserAsync();
        var file = Profiles.PathIn(_cli.ConfigDirectory);
        var text = await File.ReadAllTextAsync(file, TestContext.Current.CancellationToken);
        var profiles = Profiles.Load(_cli.ConfigDirectory);
        await File.WriteAllTextAsync(file, text.Replace(profiles.Entries[Profiles.DefaultName].Token, "shoal_wrong", StringComparison.Ordinal), TestContext.Current.CancellationToken);

        var list = await _cli.RunAsync("apps", "list");

        Assert.Equal(ExitCodes.Auth, list.ExitCode);
        Assert.Contains("401", list.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Profiles_TwoLogins_EachCommandUsesTheProfileItNames()
    {
        await _cli.LoginAsNewUserAsync();
        var other = await server.SignUpAsync("cli");
        Assert.Equal(0, (await _cli.RunAsync("login", "--profile", "second", "--server", server.Portal.ToString(), "--email", other.Email, "--password", other.Password)).ExitCode);
        var app = await _cli.NewApplicationAsync();

        var mine = await _cli.RunAsync("apps", "show", app, "--json");
        var theirs = await _cli.RunAsync("apps", "show", app, "--json", "--profile", "second");

        Assert.Equal(0, mine.ExitCode);
        Assert.Equal(ExitCodes.Refused, theirs.ExitCode);
    }

    [Fact]
    public async Task Logout_RevokesTheTokenAndForgetsTheProfile()
    {
        await _cli.LoginAsNewUserAsync();
        var token = Profiles.Load(_cli.ConfigDirectory).Entries[Profiles.DefaultName].Token;

        var logout = await _cli.RunAsync("logout", "--json");

        Assert.Equal(0, logout.ExitCode);
        Assert.True(logout.Json.GetProperty("loggedOut").GetBoolean());
        Assert.Empty(Profiles.Load(_cli.ConfigDirectory).Entries);
        using var client = server.CreateClient();
        client.DefaultRequestHeaders.Authorization = new("Bearer", token);
        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, (await client.GetAsync(new Uri("/api/v1/account", UriKind.Relative), TestContext.Current.CancellationToken)).StatusCode);
    }

    [Fact]
    public async Task UnknownCommand_ExitsWithUsageCode()
    {
        var result = await _cli.RunAsync("gadgets", "list");

        Assert.Equal(ExitCodes.Usage, result.ExitCode);
        Assert.NotEmpty(result.Error);
    }

    public void Dispose() => _cli.Dispose();
}
