using System.Diagnostics;

namespace Shoal.Server.Tests.Subscriptions;

/// <summary>Checks a push's Standard Webhooks signature with a few lines of Python's own hmac, not with Shoal's code.</summary>
public static class SignatureVerifier
{
    private const string Script = """
        import base64, hashlib, hmac, sys
        secret, msg_id, timestamp, header = sys.argv[1:5]
        body = sys.stdin.buffer.read()
        key = base64.b64decode(secret.split("_", 1)[1])
        expected = base64.b64encode(hmac.new(key, f"{msg_id}.{timestamp}.".encode() + body, hashlib.sha256).digest()).decode()
        valid = any(s.startswith("v1,") and hmac.compare_digest(s[3:], expected) for s in header.split(" "))
        print("valid" if valid else "invalid")
        """;

    public static async Task<bool> VerifiesAsync(string secret, ReceivedPush push)
    {
        var start = new ProcessStartInfo("/usr/bin/python3")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { "-c", Script, secret, push.WebhookId, push.Timestamp, push.Signature })
        {
            start.ArgumentList.Add(argument);
        }
        using var python = Process.Start(start)!;
        await python.StandardInput.WriteAsync(push.Body);
        python.StandardInput.Close();
        var output = await python.StandardOutput.ReadToEndAsync();
        await python.WaitForExitAsync();
        return output.Trim() == "valid";
    }
}
