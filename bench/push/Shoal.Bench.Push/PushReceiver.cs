using System.Buffers.Text;
using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;

using Shoal.Bench.Ingest;

namespace Shoal.Bench.Push;

/// <summary>The NA side: takes each POST, checks its Standard Webhooks signature, and records latency from the body's intended send time.</summary>
internal sealed class PushReceiver(byte[]? signingKey)
{
    private LatencyHistogram _latency = new();
    private int[] _seen = [];
    private int _step;
    private long _received;
    private long _duplicates;
    private long _badSignatures;
    private long _lastReceive;

    public long Received => Interlocked.Read(ref _received);

    public void Begin(int step, long total)
    {
        _latency = new LatencyHistogram();
        _seen = new int[total];
        _received = _duplicates = _badSignatures = _lastReceive = 0;
        Volatile.Write(ref _step, step);
    }

    public StepResult End(long start)
    {
        var seconds = (Interlocked.Read(ref _lastReceive) - start) / (double)Stopwatch.Frequency;
        return new StepResult(Received, seconds > 0 ? Received / seconds : 0, _latency, Interlocked.Read(ref _duplicates), Interlocked.Read(ref _badSignatures));
    }

    public async Task<IResult> HandleAsync(HttpRequest request)
    {
        using var buffer = new MemoryStream();
        await request.Body.CopyToAsync(buffer);
        var now = Stopwatch.GetTimestamp();
        var body = buffer.ToArray();
        if (signingKey is not null && !SignatureMatches(request, body, signingKey))
        {
            Interlocked.Increment(ref _badSignatures);
            return Results.Ok();
        }
        if (Number(body, "step"u8) != Volatile.Read(ref _step))
        {
            return Results.Ok();
        }
        var sequence = Number(body, "seq"u8);
        var seen = _seen;
        if (sequence < 0 || sequence >= seen.Length)
        {
            return Results.BadRequest();
        }
        if (Interlocked.Exchange(ref seen[sequence], 1) == 1)
        {
            Interlocked.Increment(ref _duplicates);
            return Results.Ok();
        }
        _latency.Record((now - Number(body, "sent"u8)) * 1_000_000 / Stopwatch.Frequency);
        Interlocked.Increment(ref _received);
        Interlocked.Exchange(ref _lastReceive, now);
        return Results.Ok();
    }

    private static bool SignatureMatches(HttpRequest request, byte[] body, byte[] key)
    {
        var signed = Encoding.UTF8.GetBytes($"{request.Headers["webhook-id"]}.{request.Headers["webhook-timestamp"]}.").Concat(body).ToArray();
        var expected = "v1," + Convert.ToBase64String(HMACSHA256.HashData(key, signed));
        return request.Headers["webhook-signature"].ToString().Split(' ').Contains(expected, StringComparer.Ordinal);
    }

    /// <summary>The integer after <c>"name":</c> in the body; the bench bodies are flat enough for this.</summary>
    private static long Number(byte[] body, ReadOnlySpan<byte> name)
    {
        Span<byte> key = stackalloc byte[name.Length + 3];
        key[0] = (byte)'"';
        name.CopyTo(key[1..]);
        key[^2] = (byte)'"';
        key[^1] = (byte)':';
        var at = body.AsSpan().IndexOf(key);
        if (at < 0 || !Utf8Parser.TryParse(body.AsSpan(at + key.Length), out long value, out _))
        {
            return -1;
        }
        return value;
    }
}

internal sealed record StepResult(long Received, double Rate, LatencyHistogram Latency, long Duplicates, long BadSignatures);
