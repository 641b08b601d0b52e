using System.Collections.Concurrent;

namespace Shoal.Gateway;

/// <summary>The live connection of each device on this node: one per device, the newest wins.</summary>
internal sealed class DeviceSessions
{
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

    public bool IsOnline(string deviceId) => _live.ContainsKey(deviceId);

    /// <summary>The devices connected here whose live connection subscribed to their commands.</summary>
    public List<string> ListeningForCommands() => [.. _live.Values.Where(c => c.ListensForCommands).Select(c => c.DeviceId)];
}
