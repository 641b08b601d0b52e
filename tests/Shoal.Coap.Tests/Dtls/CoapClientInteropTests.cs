using System.Diagnostics;
using System.Text;
using Microsoft.Extensions.Time.Testing;
using Shoal.Coap.Dtls;

namespace Shoal.Coap.Tests.Dtls;

/// <summary>libcoap's command-line client (Debian's libcoap3-bin, OpenSSL and GnuTLS builds) as a real device.</summary>
public sealed class CoapClientInteropTests : IAsyncDisposable
{
    private static readonly TimeSpan Cap = TimeSpan.FromSeconds(60);

    private readonly DtlsPskChannel channel = DtlsPskChannelTests.OpenChannel(
        new DtlsOptions { HandshakeTimeout = TimeSpan.FromSeconds(10) }, new FakeTimeProvider());

    public ValueTask DisposeAsync() => channel.DisposeAsync();

    [Theory]
    [InlineData("coap-client-openssl")]
    [InlineData("coap-client-gnutls")]
    public async Task Get_OverDtlsWithKnownKey_RequestArrivesAndReplyIsPrinted(string client)
    {
        using var process = StartClient(client, DtlsPskChannelTests.Key);
        var output = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        _ = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);

        var request = await channel.ReceiveAsync(TestContext.Current.CancellationToken).AsTask().WaitAsync(Cap);
        var bytes = request.Bytes.ToArray();
        Assert.Equal(0x40, bytes[0] & 0xC0);
        Assert.Contains("hello", Encoding.ASCII.GetString(bytes), StringComparison.Ordinal);
        Assert.Equal(DtlsPskChannelTests.Identity, request.Peer.Identity);

        await channel.SendAsync(request.Peer, ContentReply(bytes, "world"), TestContext.Current.CancellationToken);

        Assert.Contains("world", await output.WaitAsync(Cap), StringComparison.Ordinal);
        await process.WaitForExitAsync(TestContext.Current.CancellationToken).WaitAsync(Cap);
    }

    [Theory]
    [InlineData("coap-client-openssl")]
    [InlineData("coap-client-gnutls")]
    public async Task Get_OverDtlsWithWrongKey_FailsAndNothingArrives(string client)
    {
        using var process = StartClient(client, "not-the-key");
        var output = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var errors = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);

        await process.WaitForExitAsync(TestContext.Current.CancellationToken).WaitAsync(Cap);

        // libcoap 4.3.1's client exits with 0 even when the handshake fails; this line is how it reports it.
        Assert.Contains("cannot send CoAP pdu", await output + await errors, StringComparison.Ordinal);
        await DtlsPskChannelTests.WaitUntilAsync(() => channel.HandshakeCount == 0);
        Assert.Equal(0, channel.SessionCount);
        Assert.False(channel.ReceiveAsync(TestContext.Current.CancellationToken).AsTask().IsCompleted);
    }

    private Process StartClient(string client, string key)
    {
        var start = new ProcessStartInfo($"/usr/bin/{client}")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[]
        {
            "-m", "get", "-B", "30", "-k", key, "-u", DtlsPskChannelTests.Identity,
            $"coaps://127.0.0.1:{channel.LocalEndPoint.Port}/hello",
        })
        {
            start.ArgumentList.Add(argument);
        }

        return Process.Start(start)!;
    }

    /// <summary>A piggybacked 2.05 Content answering <paramref name="request"/>: same message ID and token.</summary>
    private static byte[] ContentReply(byte[] request, string payload)
    {
        var tokenLength = request[0] & 0x0F;
        var reply = new List<byte> { (byte)(0x60 | tokenLength), 0x45, request[2], request[3] };
        reply.AddRange(request.AsSpan(4, tokenLength));
        reply.Add(0xFF);
        reply.AddRange(Encoding.ASCII.GetBytes(payload));
        return [.. reply];
    }
}
