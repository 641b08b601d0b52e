using System.Collections.Concurrent;

namespace Shoal.Gateway;

/// <summary>The live connection of each device on this node: one per device, the newest wins.</summary>
internal sealed class DeviceSessions
{
    /// <summary>
    /// How many devices one database query names at most. A node may hold more devices than a statement takes parameters
    /// (SQLite takes 32,766), so queries about its devices go in chunks of this size.
    /// </summary>
    public const int IdsPerQuery = 500;

    private readonly ConcurrentDictionary<string, DeviceConnection> _live = new(StringComparer.Ordinal);

    /// <summary>Makes <paramref name="connection"/> its device's live one and remembers the one it replaces.</summary>
    public void Open(DeviceConnection connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        _live.AddOrUpdate(connection.DeviceId, connection, (_, previous) =>
        {
            connection.Replaces = previous;
            return connection;
        });
    }

    /// <summary>Undoes <see cref="Open"/> for a connection that was refused after all.</summary>
    public void Abandon(DeviceConnection connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        if (connection.Replaces is { } previous)
        {
            _live.TryUpdate(connection.DeviceId, previous, connection);
        }
        else
        {
            _live.TryRemove(KeyValuePair.Create(connection.DeviceId, connection));
        }
    }

    /// <summary>Ends a connection; true when it was still its device's live one (so the device is now offline).</summary>
    public bool Close(DeviceConnection connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        return _live.TryRemove(KeyValuePair.Create(connection.DeviceId, connection));
    }

    /// <summary>
    /// The live sessions here by transport: MQTT, MQTTS, LwM2M over CoAP and over DTLS. It walks them all, so it is for a
    /// scrape, not a hot path.
    /// </summary>
    public (int Mqtt, int Mqtts, int Coap, int Coaps) CountByTransport()
    {
        var (mqtt, mqtts, coap, coaps) = (0, 0, 0, 0);
        foreach (var connection in _live.Values)
        {
            if (connection.Downlink is null)
            {
                mqtt += connection.Secure ? 0 : 1;
                mqtts += connection.Secure ? 1 : 0;
            }
            else
            {
                coap += connection.Secure ? 0 : 1;
                coaps += connection.Secure ? 1 : 0;
            }
        }
        return (mqtt, mqtts, coap, coaps);
    }

    public List<DeviceConnection> Live() => [.. _live.Values];

    public DeviceConnection? Find(string deviceId) => _live.GetValueOrDefault(deviceId);

    /// <summary>The live connections here that receive their device's downlink.</summary>
    public List<DeviceConnection> ReceivingDownlink() => [.. _live.Values.Where(c => c.ReceivesDownlink)];

    /// <summary>The live connections here of <paramref name="deviceIds"/> that receive their device's downlink.</summary>
    public List<DeviceConnection> ReceivingDownlink(IEnumerable<string> deviceIds) =>
        [.. deviceIds.Select(id => _live.GetValueOrDefault(id)).OfType<DeviceConnection>().Where(c => c.ReceivesDownlink)];
}
