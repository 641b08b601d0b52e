using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;

namespace Shoal.Server.Tests.Infrastructure;

/// <summary>
/// Shoal.Server.dll run by <c>dotnet</c> as a process of its own, as an operator runs it, so that a test can kill it
/// with SIGKILL and start it again on the same database and data folder. Disposing it kills it if it still runs.
/// </summary>
public sealed class ServerProcess : IAsyncDisposable
{
    /// <summary>Generous: a loaded 2-core machine may take long to start .NET, migrate and listen; nothing is timed by it.</summary>
    private static readonly TimeSpan StartWait = TimeSpan.FromMinutes(3);

    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output = new();
    private readonly TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private ServerProcess(ITestDatabase database, string dataDirectory, IReadOnlyDictionary<string, string>? extraSettings)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = AppContext.BaseDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Shoal.Server.dll"));
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        var settings = new Dictionary<string, string>
        {
            ["Storage:Provider"] = database.Provider.ToString(),
            ["Storage:ConnectionString"] = database.ConnectionString,
            ["Shoal:DataDirectory"] = dataDirectory,
            ["Kestrel:Endpoints:Portal:Url"] = $"http://127.0.0.1:{FreePorts.Next()}",
            ["Kestrel:Endpoints:Northbound:Url"] = $"https://127.0.0.1:{FreePorts.Next()}",
            ["Gateway:Port"] = MqttPort.ToString(CultureInfo.InvariantCulture),
            ["Gateway:TlsPort"] = "0",
            ["Gateway:HttpsPort"] = "0",
            ["Coap:Port"] = "0",
            ["Coap:DtlsPort"] = "0",
            // A device here publishes as fast as it is acknowledged.
            ["Gateway:MaxMessagesPerSecondPerDevice"] = "1000000",
            ["Accounts:PasswordHashIterations"] = "10000",
        };
        foreach (var (key, value) in extraSettings ?? new Dictionary<string, string>())
        {
            settings[key] = value;
        }
        foreach (var (key, value) in settings)
        {
            start.ArgumentList.Add($"--{key}={value}");
        }
        Portal = new Uri(settings["Kestrel:Endpoints:Portal:Url"]);
        Northbound = new Uri(settings["Kestrel:Endpoints:Northbound:Url"]);
        _process = new Process { StartInfo = start, EnableRaisingEvents = true };
        _process.OutputDataReceived += (_, line) => Heard(line.Data);
        _process.ErrorDataReceived += (_, line) => Heard(line.Data);
        _process.Exited += (_, _) => _started.TrySetException(new InvalidOperationException($"Shoal exited while starting:\n{Output}"));
    }

    public int MqttPort { get; } = FreePorts.Next();
    public Uri Portal { get; }
    public Uri Northbound { get; }
    public string Output => string.Join('\n', _output);

    /// <summary>
    /// Starts Shoal on <paramref name="database"/> and returns once it says it has started (migrated and listening);
    /// <paramref name="extraSettings"/> add to or replace the test settings.
    /// </summary>
    public static async Task<ServerProcess> StartAsync(ITestDatabase database, string dataDirectory, IReadOnlyDictionary<string, string>? extraSettings = null)
    {
        var server = new ServerProcess(database, dataDirectory, extraSettings);
        try
        {
            server._process.Start();
            server._process.BeginOutputReadLine();
            server._process.BeginErrorReadLine();
            await server._started.Task.WaitAsync(StartWait);
            return server;
        }
        catch (TimeoutException)
        {
            await server.DisposeAsync();
            throw new TimeoutException($"Shoal did not start within {StartWait}:\n{server.Output}");
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    /// <summary>SIGKILL: no shutdown code runs, as when the machine loses power or the kernel kills the process.</summary>
    public async Task KillAsync()
    {
        _process.Kill();
        await _process.WaitForExitAsync();
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync();
            }
        }
        catch (InvalidOperationException)
        {
            // Never started.
        }
        _process.Dispose();
    }

    private void Heard(string? line)
    {
        if (line is null)
        {
            return;
        }
        _output.Enqueue(line);
        if (line.Contains("Application started", StringComparison.Ordinal))
        {
            _started.TrySetResult();
        }
    }
}
