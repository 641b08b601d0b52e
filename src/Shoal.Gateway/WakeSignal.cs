using System.Threading.Channels;

namespace Shoal.Gateway;

/// <summary>
/// Wakes a gateway worker at once, between its polls. Many wake-ups before the worker runs make one run. A run woken
/// only by devices that connected looks at those devices alone: a storm of connects must not make each of them pay
/// for a run over every device on the node.
/// </summary>
internal abstract class WakeSignal
{
    private readonly Channel<bool> _wakeUps = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private readonly Lock _lock = new();
    private HashSet<string> _connected = new(StringComparer.Ordinal);
    private bool _everything;

    /// <summary>Wakes the worker for everything it watches.</summary>
    public void Wake()
    {
        lock (_lock)
        {
            _everything = true;
        }
        _wakeUps.Writer.TryWrite(true);
    }

    /// <summary>Wakes the worker for a device that has just connected.</summary>
    public void Wake(string deviceId)
    {
        lock (_lock)
        {
            _connected.Add(deviceId);
        }
        _wakeUps.Writer.TryWrite(true);
    }

    /// <summary>
    /// Returns at the next wake-up, or when <paramref name="interval"/> has passed on <paramref name="time"/>, with the
    /// devices the run is for: null for everything (a poll, or a wake-up for everything).
    /// </summary>
    public async Task<IReadOnlySet<string>?> WaitAsync(TimeSpan interval, TimeProvider time, CancellationToken cancellationToken)
    {
        using var timeout = new CancellationTokenSource(interval, time);
        using var either = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        var woken = false;
        try
        {
            woken = await _wakeUps.Reader.ReadAsync(either.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
        }
        lock (_lock)
        {
            var devices = _connected;
            var everything = _everything || !woken;
            _connected = new(StringComparer.Ordinal);
            _everything = false;
            return everything ? null : devices;
        }
    }
}

/// <summary>Wakes <see cref="CommandDispatchWorker"/>: an NA stored a command on this node, or a device connected.</summary>
internal sealed class CommandSignal : WakeSignal;

/// <summary>Wakes <see cref="DeviceShadowWorker"/>: desired values were stored on this node, or a device connected.</summary>
internal sealed class DeviceShadowSignal : WakeSignal;
