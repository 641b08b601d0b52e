using Shoal.Storage.Entities;

namespace Shoal.Storage.Ingest;

/// <summary>The rows one ingest transaction adds: history, latest values and events, in the order they happened.</summary>
public sealed class IngestRows
{
    private readonly Dictionary<(string DeviceId, string ServiceId), DeviceServiceState> _states = [];

    public List<DeviceDataPoint> Points { get; } = [];

    /// <summary>The events to log; each one's <see cref="DeviceEvent.Id"/> is set once the transaction has committed.</summary>
    public List<DeviceEvent> Events { get; } = [];

    /// <summary>At most one latest value per service of a device: the newest of the batch.</summary>
    public IReadOnlyCollection<DeviceServiceState> States => _states.Values;

    /// <summary>Keeps <paramref name="state"/> unless the batch already holds a newer value of the same service.</summary>
    public void Remember(DeviceServiceState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        if (!_states.TryGetValue((state.DeviceId, state.ServiceId), out var held) || state.EventTime >= held.EventTime)
        {
            _states[(state.DeviceId, state.ServiceId)] = state;
        }
    }
}
