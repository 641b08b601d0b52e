using System.Threading.Channels;

namespace Shoal.Gateway;

/// <summary>
/// Wakes this node's <see cref="DeviceShadowWorker"/> at once: when desired values are stored here, or a device starts
/// receiving its downlink. Many wake-ups before the worker runs make one run.
/// </summary>
internal sealed class DeviceShadowSignal
{
    private readonly Channel<bool> _wakeUps = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });

    public void Wake() => _wakeUps.Writer.TryWrite(true);

    /// <summary>Returns at the next wake-up, or when <paramref name="interval"/> has passed on <paramref name="time"/>.</summary>
    public async Task WaitAsync(TimeSpan interval, TimeProvider time, CancellationToken cancellationToken)
    {
        using var timeout = new CancellationTokenSource(interval, time);
        using var either = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        try
        {
            await _wakeUps.Reader.ReadAsync(either.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
        }
    }
}
