using System.Diagnostics;
using System.Text.Json;
using System.Threading.Channels;

namespace Shoal.Server.Tests.Coap;

/// <summary>
/// A real LwM2M client, lwm2m-node-lib's, run by Node.js from <c>tests/lwm2m-device</c>: it registers, serves /19/0/0
/// (reports reach its observer) and /19/1/0 (commands written there come back as events).
/// </summary>
public sealed class Lwm2mClient : IAsyncDisposable
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(60);
    private readonly Process _process;
    private readonly Channel<JsonElement> _events = Channel.CreateUnbounded<JsonElement>();

    private Lwm2mClient(Process process)
    {
        _process = process;
        _process.OutputDataReceived += (_, line) =>
        {
            if (!string.IsNullOrWhiteSpace(line.Data))
            {
                _events.Writer.TryWrite(JsonDocument.Parse(line.Data).RootElement.Clone());
            }
        };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    /// <summary>The folder with the client's script and its node_modules, installed by test.sh.</summary>
    public static string Folder
    {
        get
        {
            var directory = new DirectoryInfo(AppContext.BaseDirectory);
            while (directory is not null && !Directory.Exists(Path.Combine(directory.FullName, "tests", "lwm2m-device")))
            {
                directory = directory.Parent;
            }
            return Path.Combine(directory?.FullName ?? throw new DirectoryNotFoundException("tests/lwm2m-device"), "tests", "lwm2m-device");
        }
    }

    /// <summary>Starts the client registering as <paramref name="endpointName"/> at 127.0.0.1:<paramref name="port"/>.</summary>
    public static Lwm2mClient Start(int port, string endpointName, int lifetimeSeconds = 300)
    {
        var start = new ProcessStartInfo("node")
        {
            WorkingDirectory = Folder,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { "device.js", "127.0.0.1", port.ToString(System.Globalization.CultureInfo.InvariantCulture), endpointName, lifetimeSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture) })
        {
            start.ArgumentList.Add(argument);
        }
        return new Lwm2mClient(Process.Start(start)!);
    }

    /// <summary>The next event the client printed; fails after a minute without one.</summary>
    public async Task<JsonElement> NextAsync()
    {
        using var deadline = new CancellationTokenSource(Wait);
        return await _events.Reader.ReadAsync(deadline.Token);
    }

    /// <summary>The next event named <paramref name="name"/>, skipping others; an "error" event fails the test.</summary>
    public async Task<JsonElement> NextAsync(string name)
    {
        while (true)
        {
            var next = await NextAsync();
            var @event = next.GetProperty("event").GetString();
            if (@event == name)
            {
                return next;
            }
            Assert.False(@event == "error", $"The client failed: {next}");
        }
    }

    /// <summary>Sets /19/0/0 to <paramref name="text"/>: the server observing it is notified.</summary>
    public async Task ReportAsync(string text)
    {
        await _process.StandardInput.WriteLineAsync("report " + text);
        await NextAsync("reported");
    }

    public async Task DeregisterAsync()
    {
        await _process.StandardInput.WriteLineAsync("deregister");
        await NextAsync("deregistered");
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
    }
}
