using System.Text.Json;

namespace Shoal.Cli.Tests;

/// <summary>Device commands, which go through the northbound API with the application's secret.</summary>
public sealed class NorthboundCommandTests(CliServer server) : IDisposable
{
    private readonly CliRunner _cli = new(server);

    [Fact]
    public async Task CommandsSend_SimulatedDeviceAnswers_CommandIsSuccessful()
    {
        await _cli.LoginAsNewUserAsync();
        var app = await _cli.NewApplicationAsync();
        var (device, secret) = await _cli.NewDeviceAsync(app);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        var simulation = _cli.RunAsync(["device", "simulate", device, "--secret", secret, "--rate", "2", "--mqtt", server.Mqtt], "", stop.Token);
        await DeviceCommandTests.Eventually(async () =>
            (await _cli.RunAsync("devices", "show", device, "--app", app, "--json")).Json.GetProperty("status").GetString() == "Online" ? "" : null);

        var sent = await _cli.RunAsync("commands", "send", device, "--app", app, "--service", "Light", "--method", "SWITCH", "--paras", "{\"on\": true}", "--json");
        var commandId = sent.Json.GetProperty("commandId").GetString()!;
        var watched = await _cli.RunAsync("commands", "watch", commandId, "--app", app, "--json");
        var list = await _cli.RunAsync("commands", "list", "--app", app, "--device", device, "--json");
        await stop.CancelAsync();
        await simulation;

        Assert.Equal(0, sent.ExitCode);
        Assert.Equal(0, watched.ExitCode);
        Assert.Equal("SUCCESSFUL", watched.Lines[^1].GetProperty("status").GetString());
        var listed = Assert.Single(list.Json.EnumerateArray());
        Assert.Equal(commandId, listed.GetProperty("commandId").GetString());
        Assert.Equal("SUCCESSFUL", listed.GetProperty("status").GetString());
    }

    [Fact]
    public async Task CommandsSend_BadParas_ExitsWithUsageCode()
    {
        await _cli.LoginAsNewUserAsync();
        var app = await _cli.NewApplicationAsync();

        var sent = await _cli.RunAsync("commands", "send", "device", "--app", app, "--service", "Light", "--method", "SWITCH", "--paras", "{on");

        Assert.Equal(ExitCodes.Usage, sent.ExitCode);
        Assert.Contains("--paras", sent.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CommandsList_NoSecretKnown_ExitsWithAuthCodeAndSaysWhatToPass()
    {
        var owner = await server.SignUpAsync("cli");
        await _cli.LoginAsync(owner);
        using var created = await owner.Client.PostAsync(new Uri("/api/v1/applications", UriKind.Relative),
            new StringContent("{\"name\":\"elsewhere\",\"industry\":\"other\",\"acceptTerms\":true}", System.Text.Encoding.UTF8, "application/json"), TestContext.Current.CancellationToken);
        var app = JsonDocument.Parse(await created.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).RootElement.GetProperty("applicationId").GetString()!;

        var list = await _cli.RunAsync("commands", "list", "--app", app, "--json");

        Assert.Equal(ExitCodes.Auth, list.ExitCode);
        Assert.Contains("--app-secret", list.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CommandsList_WrongSecret_ExitsWithAuthCode()
    {
        await _cli.LoginAsNewUserAsync();
        var app = await _cli.NewApplicationAsync();

        var list = await _cli.RunAsync("commands", "list", "--app", app, "--app-secret", "wrong", "--json");

        Assert.Equal(ExitCodes.Auth, list.ExitCode);
        Assert.Contains("401", list.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NorthboundCommands_OneAfterAnother_ReuseTheKeptAccessToken()
    {
        await _cli.LoginAsNewUserAsync();
        var app = await _cli.NewApplicationAsync();

        (await _cli.RunAsync("commands", "list", "--app", app, "--json")).AssertOk();
        var first = Profiles.Load(_cli.ConfigDirectory).Entries[Profiles.DefaultName].NorthboundTokens[app].AccessToken;
        (await _cli.RunAsync("commands", "list", "--app", app, "--json")).AssertOk();

        Assert.Equal(first, Profiles.Load(_cli.ConfigDirectory).Entries[Profiles.DefaultName].NorthboundTokens[app].AccessToken);
    }

    [Fact]
    public async Task NorthboundCommands_KeptTokenRevokedByAnotherLogin_LogInAgain()
    {
        await _cli.LoginAsNewUserAsync();
        var app = await _cli.NewApplicationAsync();
        (await _cli.RunAsync("commands", "list", "--app", app, "--json")).AssertOk();
        var profile = Profiles.Load(_cli.ConfigDirectory).Entries[Profiles.DefaultName];
        using var form = new FormUrlEncodedContent([new("appId", app), new("secret", profile.Secrets[app])]);
        using var handler = new HttpClientHandler { ServerCertificateCustomValidationCallback = HttpClientHandler.DangerousAcceptAnyServerCertificateValidator };
        using var http = new HttpClient(handler) { BaseAddress = server.Northbound };
        (await http.PostAsync(new Uri("/iocm/app/sec/v1.1.0/login", UriKind.Relative), form, TestContext.Current.CancellationToken)).EnsureSuccessStatusCode();

        var list = await _cli.RunAsync("commands", "list", "--app", app, "--json");

        list.AssertOk();
        Assert.NotEqual(profile.NorthboundTokens[app].AccessToken, Profiles.Load(_cli.ConfigDirectory).Entries[Profiles.DefaultName].NorthboundTokens[app].AccessToken);
    }

    public void Dispose() => _cli.Dispose();
}
