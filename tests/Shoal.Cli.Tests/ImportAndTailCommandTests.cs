using System.Globalization;

namespace Shoal.Cli.Tests;

/// <summary><c>devices import</c> and <c>tail</c>, over the server's CSV import and live event stream.</summary>
public sealed class ImportAndTailCommandTests(CliServer server) : IDisposable
{
    private readonly CliRunner _cli = new(server);

    [Fact]
    public async Task Import_RegistersEachRowAndReportsTheOneThatFailed()
    {
        await _cli.LoginAsNewUserAsync();
        var app = await _cli.NewApplicationAsync();
        var file = await WriteAsync("devices.csv", "nodeId,name\nmeter-1,Meter one\nmeter-2,Meter two\nmeter-1,Again\n");
        var results = Path.Combine(_cli.ConfigDirectory, "results.csv");

        var imported = await _cli.RunAsync("devices", "import", file, "--app", app, "--results", results, "--json");

        Assert.Equal(ExitCodes.Refused, imported.ExitCode);
        Assert.Equal(2, imported.Json.GetProperty("registered").GetInt32());
        Assert.Equal(1, imported.Json.GetProperty("failed").GetInt32());
        var rows = imported.Json.GetProperty("rows").EnumerateArray().ToList();
        Assert.Equal([2, 3, 4], rows.Select(r => r.GetProperty("line").GetInt32()));
        Assert.NotEmpty(rows[0].GetProperty("secret").GetString()!);
        Assert.NotEmpty(rows[2].GetProperty("error").GetString()!);
        var listed = await _cli.RunAsync("devices", "list", "--app", app, "--json");
        Assert.Equal(2, listed.Json.GetArrayLength());
        var written = await File.ReadAllLinesAsync(results, TestContext.Current.CancellationToken);
        Assert.Equal("line,nodeId,deviceId,secret,error", written[0]);
        Assert.Equal(4, written.Length);
    }

    [Fact]
    public async Task Import_AllRowsGood_ExitsOk()
    {
        await _cli.LoginAsNewUserAsync();
        var app = await _cli.NewApplicationAsync();
        var file = await WriteAsync("devices.csv", "nodeId\nmeter-1\n");

        var imported = await _cli.RunAsync("devices", "import", file, "--app", app);

        Assert.Equal(0, imported.ExitCode);
        Assert.Contains("meter-1", imported.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Import_UnknownColumn_ExitsRefusedWithTheServersWordsAndRegistersNothing()
    {
        await _cli.LoginAsNewUserAsync();
        var app = await _cli.NewApplicationAsync();
        var file = await WriteAsync("devices.csv", "nodeId,colour\nmeter-1,blue\n");

        var imported = await _cli.RunAsync("devices", "import", file, "--app", app, "--json");

        Assert.Equal(ExitCodes.Refused, imported.ExitCode);
        Assert.Contains("400", imported.Error, StringComparison.Ordinal);
        Assert.Equal("", imported.Out);
        Assert.Equal(0, (await _cli.RunAsync("devices", "list", "--app", app, "--json")).Json.GetArrayLength());
    }

    [Fact]
    public async Task Import_MissingFile_ExitsWithUsageCode()
    {
        await _cli.LoginAsNewUserAsync();
        var app = await _cli.NewApplicationAsync();

        var imported = await _cli.RunAsync("devices", "import", Path.Combine(_cli.ConfigDirectory, "nothing.csv"), "--app", app);

        Assert.Equal(ExitCodes.Usage, imported.ExitCode);
    }

    [Fact]
    public async Task Tail_SimulatedDevice_ShowsItsReports()
    {
        await _cli.LoginAsNewUserAsync();
        var app = await _cli.NewApplicationAsync();
        var (device, secret) = await _cli.NewDeviceAsync(app);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        // Only a hang stopper: --count ends the tail; cancelled early, it would show fewer lines and fail below.
        stop.CancelAfter(TimeSpan.FromSeconds(60));
        var tail = _cli.RunAsync(["tail", app, "--device", device, "--types", "report", "--count", "2", "--json"], "", stop.Token);
        var simulation = _cli.RunAsync(["device", "simulate", device, "--secret", secret, "--rate", "5", "--mqtt", server.Mqtt], "", stop.Token);

        var tailed = await tail;
        await stop.CancelAsync();
        await simulation;

        tailed.AssertOk();
        Assert.Equal(2, tailed.Lines.Count);
        Assert.All(tailed.Lines, e =>
        {
            Assert.Equal("report", e.GetProperty("type").GetString());
            Assert.Equal(device, e.GetProperty("deviceId").GetString());
        });
    }

    [Fact]
    public async Task Tail_UnknownApplication_ExitsRefused()
    {
        await _cli.LoginAsNewUserAsync();

        var tailed = await _cli.RunAsync("tail", "no-such-app", "--count", "1");

        Assert.Equal(ExitCodes.Refused, tailed.ExitCode);
        Assert.Contains("404", tailed.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Tail_CountBelowOne_ExitsWithUsageCode()
    {
        await _cli.LoginAsNewUserAsync();
        var app = await _cli.NewApplicationAsync();

        var tailed = await _cli.RunAsync("tail", app, "--count", "0");

        Assert.Equal(ExitCodes.Usage, tailed.ExitCode);
        Assert.Contains("--count", tailed.Error, StringComparison.Ordinal);
    }

    private async Task<string> WriteAsync(string name, string text)
    {
        Directory.CreateDirectory(_cli.ConfigDirectory);
        var path = Path.Combine(_cli.ConfigDirectory, string.Create(CultureInfo.InvariantCulture, $"{Guid.NewGuid():N}-{name}"));
        await File.WriteAllTextAsync(path, text, TestContext.Current.CancellationToken);
        return path;
    }

    public void Dispose() => _cli.Dispose();
}
