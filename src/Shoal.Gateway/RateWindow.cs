namespace Shoal.Gateway;

/// <summary>Counts what a device sends in one-second windows. Not thread-safe: each caller serialises its own use.</summary>
internal sealed class RateWindow
{
    private DateTimeOffset _start;
    private int _taken;

    /// <summary>Counts one more; false when that makes more than <paramref name="perSecond"/> in the current second.</summary>
    public bool TryTake(DateTimeOffset now, int perSecond)
    {
        if (now - _start >= TimeSpan.FromSeconds(1) || now < _start)
        {
            _start = now;
            _taken = 0;
        }
        return ++_taken <= perSecond;
    }
}
