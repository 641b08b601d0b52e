using System.Threading.Channels;

namespace Shoal.Gateway;

/// <summary>
/// Wakes a gateway worker at once, between its polls. Many wake-ups before the worker runs make one run.
/// </summary>
internal abstract class WakeSignal
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

/// <summary>Wakes <see cref="CommandDispatchWorker"/>: an NA stored a command on this node, or a device connected.</summary>
internal sealed class CommandSignal : WakeSignal;

/// <summary>Wakes <see cref="DeviceShadowWorker"/>: desired values were stored on this node, or a device connected.</summary>
internal sealed class DeviceShadowSignal : WakeSignal;
