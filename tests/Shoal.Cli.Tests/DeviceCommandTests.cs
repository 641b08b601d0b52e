using System.Globalization;

namespace Shoal.Cli.Tests;

public sealed class DeviceCommandTests(CliServer server) : IDisposable
{
    private readonly CliRunner _cli = new(server);

    [Fact]
    public async Task Register_ThenShowAndList_FindTheDevice()
    {
        await _cli.LoginAsNewUserAsync();
        var app = await _cli.NewApplicationAsync();

        var registered = await _cli.RunAsync("devices", "register", "meter-1", "--app", app, "--name", "Meter one", "--json");
        var id = registered.Json.GetProperty("device").GetProperty("id").GetString()!;
        var show = await _cli.RunAsync("devices", "show", id, "--app", app, "--json");
        var list = await _cli.RunAsync("devices", "list", "--app", app, "--json");

        Assert.Equal(0, registered.ExitCode);
        Assert.NotEmpty(registered.Json.GetProperty("secret").GetString()!);
        Assert.Equal("Meter one", show.Json.GetProperty("name").GetString());
        Assert.Equal([id], list.Json.EnumerateArray().Select(d => d.GetProperty("id").GetString()));
    }

    [Fact]
    public async Task Register_UnknownApplication_ExitsRefused()
    {
        await _cli.LoginAsNewUserAsync();

        var registered = await _cli.RunAsync("devices", "register", "meter-1", "--app", "no-such-app", "--json");

        Assert.Equal(ExitCodes.Refused, registered.ExitCode);
        Assert.Contains("404", registered.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Delete_RemovesTheDevice()
    {
        await _cli.LoginAsNewUserAsync();
        var app = await _cli.NewApplicationAsync();
        var (device, _) = await _cli.NewDeviceAsync(app);

        var deleted = await _cli.RunAsync("devices", "delete", device, "--app", app, "--json");

        Assert.Equal(0, deleted.ExitCode);
        Assert.Equal(ExitCodes.Refused, (await _cli.RunAsync("devices", "show", device, "--app", app, "--json")).ExitCode);
    }

    [Fact]
    public async Task Simulate_DeviceIsOnlineAndItsReportsAreInHistory()
    {
        await _cli.LoginAsNewUserAsync();
        var app = await _cli.NewApplicationAsync();
        var (device, secret) = await _cli.NewDeviceAsync(app);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);

        var simulation = _cli.RunAsync(["device", "simulate", device, "--secret", secret, "--rate", "10", "--mqtt", server.Mqtt, "--json"], "", stop.Token);
        var history = await Eventually(async () =>
        {
            var shown = await _cli.RunAsync("devices", "show", device, "--app", app, "--json");
            var points = await _cli.RunAsync("history", device, "--app", app, "--format", "json");
            return shown.Json.GetProperty("status").GetString() == "Online" && points.Json.GetArrayLength() >= 2 ? points : null;
        });
        await stop.CancelAsync();
        var simulated = await simulation;

        simulated.AssertOk();
        Assert.Equal("connected", simulated.Lines[0].GetProperty("event").GetString());
        Assert.All(history.Json.EnumerateArray(), p => Assert.Equal("Simulated", p.GetProperty("serviceId").GetString()));
        Assert.Contains(1, history.Json.EnumerateArray().Select(p => p.GetProperty("data").GetProperty("counter").GetInt32()));
    }

    [Fact]
    public async Task Simulate_WrongSecret_ExitsWithAuthCode()
    {
        await _cli.LoginAsNewUserAsync();
        var app = await _cli.NewApplicationAsync();
        var (device, _) = await _cli.NewDeviceAsync(app);

        var simulated = await _cli.RunAsync("device", "simulate", device, "--secret", "00112233445566778899aabbccddeeff", "--count", "1", "--mqtt", server.Mqtt);

        Assert.Equal(ExitCodes.Auth, simulated.ExitCode);
        Assert.Contains("refused", simulated.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Simulate_AppAndNodeId_RegistersANewDeviceAndReportsAsIt()
    {
        await _cli.LoginAsNewUserAsync();
        var app = await _cli.NewApplicationAsync();

        var simulated = await _cli.RunAsync("device", "simulate", "--app", app, "--node-id", "pump-1", "--count", "1", "--mqtt", server.Mqtt, "--json");

        simulated.AssertOk();
        var registered = simulated.Lines[0];
        Assert.Equal(("registered", "pump-1"), (registered.GetProperty("event").GetString(), registered.GetProperty("nodeId").GetString()));
        Assert.NotEmpty(registered.GetProperty("secret").GetString()!);
        var deviceId = registered.GetProperty("deviceId").GetString()!;
        Assert.Equal(deviceId, simulated.Lines[1].GetProperty("deviceId").GetString());
        Assert.Equal("reported", simulated.Lines[2].GetProperty("event").GetString());
        var listed = await _cli.RunAsync("devices", "list", "--app", app, "--json");
        Assert.Equal([(deviceId, "pump-1")], listed.Json.EnumerateArray().Select(d => (d.GetProperty("id").GetString(), d.GetProperty("nodeId").GetString())));
    }

    [Theory]
    [InlineData("d-1")]
    [InlineData("d-1", "--secret", "00112233445566778899aabbccddeeff", "--app", "a-1", "--node-id", "pump-1")]
    [InlineData("--app", "a-1")]
    public async Task Simulate_NeitherADeviceWithSecretNorAnAppWithNodeId_ExitsWithUsageCode(params string[] given)
    {
        await _cli.LoginAsNewUserAsync();

        var simulated = await _cli.RunAsync(["device", "simulate", .. given, "--count", "1", "--mqtt", server.Mqtt]);

        Assert.Equal(ExitCodes.Usage, simulated.ExitCode);
        Assert.Contains("--node-id", simulated.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task History_Csv_OneRowPerPropertyInTheRange()
    {
        await _cli.LoginAsNewUserAsync();
        var app = await _cli.NewApplicationAsync();
        var (device, secret) = await _cli.NewDeviceAsync(app);
        Assert.Equal(0, (await _cli.RunAsync("device", "simulate", device, "--secret", secret, "--rate", "10", "--count", "2", "--mqtt", server.Mqtt)).ExitCode);
        var now = server.Time.GetUtcNow();

        var csv = await _cli.RunAsync("history", device, "--app", app, "--format", "csv",
            "--from", now.AddHours(-1).ToString("O", CultureInfo.InvariantCulture), "--to", now.AddHours(1).ToString("O", CultureInfo.InvariantCulture));
        var empty = await _cli.RunAsync("history", device, "--app", app, "--format", "csv",
            "--from", now.AddHours(-3).ToString("O", CultureInfo.InvariantCulture), "--to", now.AddHours(-2).ToString("O", CultureInfo.InvariantCulture));

        Assert.Equal(0, csv.ExitCode);
        var lines = csv.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Equal("eventTime,serviceId,property,value", lines[0]);
        Assert.Equal(4, lines.Length - 1);
        Assert.Contains(lines, l => l.EndsWith(",Simulated,counter,2", StringComparison.Ordinal));
        Assert.Single(empty.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public async Task History_BadFormat_ExitsWithUsageCode()
    {
        var result = await _cli.RunAsync("history", "device", "--app", "app", "--format", "xml");

        Assert.Equal(ExitCodes.Usage, result.ExitCode);
    }

    /// <summary>Asks until the answer is there; the deadline only stops a hang.</summary>
    internal static async Task<T> Eventually<T>(Func<Task<T?>> probe)
        where T : class
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (true)
        {
            if (await probe() is { } found)
            {
                return found;
            }
            await Task.Delay(100, deadline.Token);
        }
    }

    public void Dispose() => _cli.Dispose();
}
