namespace Shoal.Storage;

/// <summary>Something a loop waits for, besides its polling: <see cref="Raise"/> completes the task <see cref="Next"/> gave.</summary>
public class Signal
{
    private TaskCompletionSource _next = NewSource();

    /// <summary>Completes at the next <see cref="Raise"/>. Take it before looking for work, so no raise is missed.</summary>
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

/// <summary>
/// Raised when this node commits device events, so that the followers of the event log need not poll often to be
/// prompt. Events written elsewhere (another node, a rare write that does not raise it) are found by their polling.
/// </summary>
public sealed class EventLogSignal : Signal;
