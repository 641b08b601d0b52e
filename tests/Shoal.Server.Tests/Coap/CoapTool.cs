using System.Diagnostics;
using System.Globalization;

namespace Shoal.Server.Tests.Coap;

/// <summary>Debian's libcoap <c>coap-client</c> (the OpenSSL build, for DTLS-PSK), run once per request as a device would.</summary>
public static class CoapTool
{
    /// <summary>Runs coap-client with <paramref name="arguments"/>; its exit code and everything it printed (responses' codes go to stderr).</summary>
    public static async Task<(int ExitCode, string Output)> RunAsync(params string[] arguments)
    {
        var start = new ProcessStartInfo("coap-client-openssl")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        // -B bounds how long it waits for an answer; the test's own cap is the minute below.
        start.ArgumentList.Add("-B");
        start.ArgumentList.Add("30");
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(deadline.Token);
        return (process.ExitCode, await output + await errors);
    }

    /// <summary>Registers <paramref name="nodeId"/> over DTLS keyed with <paramref name="key"/> as LwM2M's POST /rd.</summary>
    public static Task<(int ExitCode, string Output)> RegisterOverDtlsAsync(int port, string nodeId, string key) =>
        RunAsync("-m", "post", "-k", key, "-u", nodeId, "-t", "40", "-e", "</19/0/0>,</19/1/0>",
            $"coaps://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}/rd?ep={nodeId}&lt=300&b=U");

    /// <summary>Registers <paramref name="nodeId"/> over plain CoAP from <paramref name="localPort"/>, so later requests come from the same address.</summary>
    public static Task<(int ExitCode, string Output)> RegisterAsync(int port, string nodeId, int localPort, string localAddress = "127.0.0.1") =>
        RunAsync("-m", "post", "-a", localAddress, "-p", localPort.ToString(CultureInfo.InvariantCulture), "-t", "40", "-e", "</19/0/0>",
            $"coap://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}/rd?ep={nodeId}&lt=300&b=U");
}
