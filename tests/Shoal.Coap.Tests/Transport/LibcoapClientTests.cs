using System.Diagnostics;
using System.Net;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Shoal.Coap.Protocol;
using Shoal.Coap.Transport;

namespace Shoal.Coap.Tests.Transport;

/// <summary>libcoap's command-line client (Debian libcoap3-bin) against an endpoint on a real socket.</summary>
public sealed class LibcoapClientTests
{
    private const string ClientPath = "/usr/bin/coap-client-notls";

    [Fact]
    public async Task CoapClient_GetAndBlockwisePost_AreAnswered()
    {
        Assert.SkipUnless(File.Exists(ClientPath), "libcoap3-bin is not installed.");
        await using var channel = new UdpChannel(new IPEndPoint(IPAddress.Loopback, 0));
        var posted = new TaskCompletionSource<byte[]>(TaskCreationOptions.RunContinuationsAsynchronously);
        var handler = new DelegateHandler
        {
            OnRequest = (_, request) =>
            {
                if (request.Code == CoapCode.Get && request.Path == "hello")
                {
                    return Task.FromResult(DelegateHandler.Content(request, "world"));
                }

                if (request.Code == CoapCode.Post)
                {
                    posted.TrySetResult(request.Payload.ToArray());
                    return Task.FromResult(request.CreateResponse(CoapCode.Changed));
                }

                return Task.FromResult(request.CreateResponse(CoapCode.NotFound));
            },
        };
        var endpoint = new CoapEndpoint(channel, new CoapEndpointOptions(), handler, TimeProvider.System, NullLogger<CoapEndpoint>.Instance);
        using var stopping = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var running = endpoint.RunAsync(stopping.Token);
        var uri = $"coap://127.0.0.1:{channel.LocalEndPoint.Port}";
        var body = Encoding.ASCII.GetBytes(string.Concat(Enumerable.Range(0, 100).Select(i => $"{i:000000000}\n")));
        var file = Path.GetTempFileName();
        try
        {
            await File.WriteAllBytesAsync(file, body);

            var (getExit, getOutput) = await RunAsync(stopping.Token, "-m", "get", "-B", "30", $"{uri}/hello");
            var (postExit, _) = await RunAsync(stopping.Token, "-m", "post", "-b", "64", "-B", "30", "-f", file, $"{uri}/data");

            Assert.Equal(0, getExit);
            Assert.Contains("world", getOutput, StringComparison.Ordinal);
            Assert.Equal(0, postExit);
            Assert.Equal(body, await posted.Task.WaitAsync(stopping.Token));
        }
        finally
        {
            File.Delete(file);
            await stopping.CancelAsync();
            await running;
        }
    }

    private static async Task<(int ExitCode, string Output)> RunAsync(CancellationToken cancellationToken, params string[] arguments)
    {
        var start = new ProcessStartInfo(ClientPath) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var errors = process.StandardError.ReadToEndAsync(cancellationToken);
        try
        {
            await process.WaitForExitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            process.Kill();
            throw;
        }

        return (process.ExitCode, await output + await errors);
    }
}
