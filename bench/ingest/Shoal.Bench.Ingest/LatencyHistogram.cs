namespace Shoal.Bench.Ingest;

/// <summary>
/// A log-bucketed latency histogram in microseconds: 64 linear sub-buckets per power of two, so a
/// recorded value is off by at most 1/64 (about 1.6 %). Recording is lock-free and thread-safe.
/// </summary>
internal sealed class LatencyHistogram
{
    private const int SubBits = 6;
    private const int SubCount = 1 << SubBits;
    private readonly long[] _counts = new long[(64 - SubBits + 1) * SubCount];
    private long _total;
    private long _max;

    public long Count => Interlocked.Read(ref _total);

    public long MaxMicroseconds => Interlocked.Read(ref _max);

    public void Record(long microseconds)
    {
        var value = Math.Max(0, microseconds);
        Interlocked.Increment(ref _counts[Index(value)]);
        Interlocked.Increment(ref _total);
        var max = Interlocked.Read(ref _max);
        while (value > max)
        {
            var seen = Interlocked.CompareExchange(ref _max, value, max);
            if (seen == max)
            {
                break;
            }
            max = seen;
        }
    }

    /// <summary>The value at <paramref name="percentile"/> (0–100), as the upper edge of its bucket.</summary>
    public long ValueAt(double percentile)
    {
        var total = Count;
        if (total == 0)
        {
            return 0;
        }
        var rank = (long)Math.Ceiling(percentile / 100.0 * total);
        rank = Math.Clamp(rank, 1, total);
        long seen = 0;
        for (var i = 0; i < _counts.Length; i++)
        {
            seen += Interlocked.Read(ref _counts[i]);
            if (seen >= rank)
            {
                return Math.Min(UpperEdge(i), MaxMicroseconds);
            }
        }
        return MaxMicroseconds;
    }

    private static int Index(long value)
    {
        if (value < SubCount)
        {
            return (int)value;
        }
        var magnitude = 63 - (int)long.LeadingZeroCount(value) - SubBits + 1;
        var sub = (int)(value >> (magnitude - 1)) & (SubCount - 1);
        return (magnitude * SubCount) + sub;
    }

    private static long UpperEdge(int index)
    {
        var magnitude = index / SubCount;
        var sub = index % SubCount;
        if (magnitude == 0)
        {
            return sub;
        }
        return ((long)(SubCount + sub) << (magnitude - 1)) + (1L << (magnitude - 1)) - 1;
    }
}
