namespace Shoal.Storage;

/// <summary>
/// Wakes the followers of the device event log when this node commits events, so that they need not poll often to
/// be prompt. Events written elsewhere (another node, a rare write that does not signal) are found by their polling.
/// </summary>
public sealed class EventLogSignal
{
    private TaskCompletionSource _next = NewSource();

    /// <summary>Completes at the next commit that added events. Take it before looking for work, so no commit is missed.</summary>
    public Task Next => Volatile.Read(ref _next).Task;

    public void Raise() => Interlocked.Exchange(ref _next, NewSource()).TrySetResult();

    /// <summary>
    /// Waits until <paramref name="next"/> completes or <paramref name="poll"/> has passed in real time: polling paces a
    /// loop, it never decides when something is due.
    /// </summary>
    public static async Task WaitAsync(Task next, TimeSpan poll, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(next);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        await Task.WhenAny(next, Task.Delay(poll, stop.Token));
        await stop.CancelAsync();
        cancellationToken.ThrowIfCancellationRequested();
    }

    private static TaskCompletionSource NewSource() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
