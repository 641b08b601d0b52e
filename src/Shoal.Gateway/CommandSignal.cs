using System.Threading.Channels;

namespace Shoal.Gateway;

/// <summary>
/// Wakes this node's <see cref="CommandDispatchWorker"/> at once: when an NA stores a command here, or a device subscribes
/// to its commands. Many wake-ups before the worker runs make one run.
/// </summary>
internal sealed class CommandSignal
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
