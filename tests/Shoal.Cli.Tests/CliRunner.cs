using System.Text.Json;
using Shoal.Server.Tests.Infrastructure;

namespace Shoal.Cli.Tests;

/// <summary>Runs the CLI in-process through its entry point, with its own config folder and captured output.</summary>
public sealed class CliRunner(CliServer server) : IDisposable
{
    public string ConfigDirectory { get; } = Path.Combine(Path.GetTempPath(), $"shoal-cli-{Guid.NewGuid():N}");

    public Task<CliResult> RunAsync(params string[] args) => RunAsync(args, "", TestContext.Current.CancellationToken);

    public async Task<CliResult> RunAsync(string[] args, string input, CancellationToken cancellationToken)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        using var reader = new StringReader(input);
        var code = await ShoalCli.RunAsync(args, new CliConsole(TextWriter.Synchronized(output), TextWriter.Synchronized(error), reader, ConfigDirectory), cancellationToken);
        return new CliResult(code, output.ToString(), error.ToString());
    }

    /// <summary>Logs in as a new user of the server, with the northbound API's own address and certificate.</summary>
    public async Task<TestUser> LoginAsNewUserAsync()
    {
        var user = await server.SignUpAsync("cli");
        await LoginAsync(user);
        return user;
    }

    public async Task LoginAsync(TestUser user)
    {
        var login = await RunAsync("login", "--server", server.Portal.ToString(), "--email", user.Email, "--password", user.Password,
            "--northbound", server.Northbound.ToString(), "--insecure");
        login.AssertOk();
    }

    /// <summary>A new application through the CLI; its secret is then in the profile.</summary>
    public async Task<string> NewApplicationAsync()
    {
        var created = await RunAsync("apps", "create", $"app-{Guid.NewGuid():N}"[..20], "--accept-terms", "--json");
        created.AssertOk();
        return created.Json.GetProperty("applicationId").GetString()!;
    }

    /// <summary>A device registered through the CLI: its ID and secret.</summary>
    public async Task<(string Id, string Secret)> NewDeviceAsync(string app)
    {
        var registered = await RunAsync("devices", "register", $"node-{Guid.NewGuid():N}", "--app", app, "--timeout", "0", "--json");
        registered.AssertOk();
        return (registered.Json.GetProperty("device").GetProperty("id").GetString()!, registered.Json.GetProperty("secret").GetString()!);
    }

    public void Dispose()
    {
        if (Directory.Exists(ConfigDirectory))
        {
            Directory.Delete(ConfigDirectory, recursive: true);
        }
    }
}

public sealed record CliResult(int ExitCode, string Out, string Error)
{
    /// <summary>stdout as the one JSON document <c>--json</c> promises; parsing fails the test when anything else is there.</summary>
    public JsonElement Json => JsonDocument.Parse(Out).RootElement;

    public void AssertOk() => Assert.True(ExitCode == 0, $"exit code {ExitCode}: {Error}");

    /// <summary>stdout as JSON lines, for the commands that stream.</summary>
    public IReadOnlyList<JsonElement> Lines => Out.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
}
