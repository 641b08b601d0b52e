using Microsoft.Extensions.DependencyInjection;
using MQTTnet.Formatter;
using Shoal.Gateway;

namespace Shoal.Server.Tests.Gateway;

/// <summary>
/// Device sessions opened on the gateway without a client behind them, each ready for its downlink, so that a node seems
/// to hold that many devices; closed again on dispose.
/// </summary>
internal sealed class ListeningDevices : IDisposable
{
    /// <summary>More than SQLite (32,766) or PostgreSQL (65,535) take parameters in one statement.</summary>
    public const int MoreThanAStatementTakes = 70_000;

    private readonly DeviceSessions _sessions;
    private readonly List<DeviceConnection> _connections;

    private ListeningDevices(DeviceSessions sessions, List<DeviceConnection> connections) => (_sessions, _connections) = (sessions, connections);

    public static ListeningDevices Open(IServiceProvider services, int count)
    {
        var sessions = services.GetRequiredService<DeviceSessions>();
        var connections = Enumerable.Range(0, count)
            .Select(i => new DeviceConnection($"absent-{Guid.NewGuid():N}", "absent", false, $"absent-{i}", MqttProtocolVersion.V500))
            .ToList();
        foreach (var connection in connections)
        {
            sessions.Open(connection);
            connection.DownlinkSubscribed();
        }
        return new ListeningDevices(sessions, connections);
    }

    public void Dispose() => _connections.ForEach(c => _sessions.Close(c));
}
