using System.Threading.Channels;

namespace Shoal.Gateway;

/// <summary>
/// Wakes a gateway worker at once, between its polls. Many wake-ups before the worker runs make one run. A run woken
/// only by devices that connected looks at those devices alone: a storm of connects must not make each of them pay
/// for a run over every device on the node. Such a run first gathers the devices that connect within a short window,
/// so that one query serves many connects instead of one each.
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
    /// devices the run is for: null for everything (a poll, or a wake-up for everything). A wake-up by connects alone
    /// returns <paramref name="gathering"/> later on <paramref name="gatheringTime"/>, with the devices that connected
    /// meanwhile as well; a wake-up for everything during that time ends it at once.
    /// </summary>
    public async Task<IReadOnlySet<string>?> WaitAsync(
        TimeSpan interval, TimeProvider time, TimeSpan gathering, TimeProvider gatheringTime, CancellationToken cancellationToken)
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
        if (woken && gathering > TimeSpan.Zero && !WokenForEverything())
        {
            await GatherAsync(gathering, gatheringTime, cancellationToken);
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

    /// <summary>Waits out the window, or until a wake-up for everything, which takes the gathered devices along.</summary>
    private async Task GatherAsync(TimeSpan gathering, TimeProvider time, CancellationToken cancellationToken)
    {
        using var window = new CancellationTokenSource(gathering, time);
        using var either = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, window.Token);
        try
        {
            while (await _wakeUps.Reader.WaitToReadAsync(either.Token))
            {
                _wakeUps.Reader.TryRead(out _);
                if (WokenForEverything())
                {
                    return;
                }
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
        }
    }

    private bool WokenForEverything()
    {
        lock (_lock)
        {
            return _everything;
        }
    }
}

/// <summary>Wakes <see cref="CommandDispatchWorker"/>: an NA stored a command on this node, or a device connected.</summary>
internal sealed class CommandSignal : WakeSignal;

/// <summary>Wakes <see cref="DeviceShadowWorker"/>: desired values were stored on this node, or a device connected.</summary>
internal sealed class DeviceShadowSignal : WakeSignal;
