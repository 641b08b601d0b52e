using System.Buffers;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MQTTnet.Formatter;
using Shoal.Coap.Lwm2m;
using Shoal.Coap.Protocol;
using Shoal.Storage;
using Shoal.Storage.Entities;

namespace Shoal.Gateway.Coap;

/// <summary>
/// Shoal's devices as the LwM2M server sees them: a registration is a device session like an MQTT connection (the
/// same ingest queue, sessions and command dispatch), its reports become messages or properties, and its commands are
/// written to <c>/19/1/0</c>.
/// </summary>
internal sealed partial class CoapDevices(
    IServiceScopeFactory scopes, DeviceCredentials credentials, DeviceSessions sessions, IngestQueue queue, CommandSignal commands,
    LastSeenWriter lastSeen, IOptions<GatewayOptions> options, TimeProvider time, ILogger<CoapDevices> logger) : ILwm2mDevices
{
    /// <summary>Devices that connect themselves, by node ID or device ID; two of them means the name is ambiguous.</summary>
    private static readonly Func<ShoalDb, string, IAsyncEnumerable<EndpointRow>> ReadEndpoint = EF.CompileAsyncQuery(
        (ShoalDb db, string name) => db.Devices.AsNoTracking()
            .Where(d => (d.NodeId == name || d.Id == name) && d.GatewayId == null)
            .Join(db.Applications.Where(a => a.FrozenAt == null), d => d.ApplicationId, a => a.Id,
                (d, a) => new EndpointRow(d.Id, d.ApplicationId, a.DataManagement))
            .Take(2));

    /// <summary>Set by the listener: commands go out through it.</summary>
    public Lwm2mServer? Server { get; set; }

    public async ValueTask<Lwm2mDevice?> FindAsync(string endpointName, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ShoalDb>();
        var rows = new List<EndpointRow>(2);
        await foreach (var row in ReadEndpoint(db, endpointName).WithCancellation(cancellationToken))
        {
            rows.Add(row);
        }
        return rows is [var only] ? new Lwm2mDevice(only.DeviceId, only.ApplicationId, only.DataManagement) : null;
    }

    /// <summary>The PSK of a DTLS client: its device's secret, looked up by the identity it gives (its endpoint name).</summary>
    public async ValueTask<byte[]?> PskAsync(string identity, CancellationToken cancellationToken)
    {
        if (await FindAsync(identity, cancellationToken) is not { } device)
        {
            return null;
        }
        var credential = await credentials.GetAsync(device.DeviceId, cancellationToken);
        return credential is { Frozen: false, GatewayId: null } ? credential.Secret : null;
    }

    public async Task RegisteredAsync(Lwm2mRegistration registration, Lwm2mRegistration? replaced, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(registration);
        var session = new CoapSession(this, registration);
        var connection = new DeviceConnection(
            registration.Device.DeviceId, registration.Device.ApplicationId, registration.Device.DataManagement,
            "lwm2m:" + registration.EndpointName, MqttProtocolVersion.V500)
        {
            Downlink = session,
            Secure = registration.Peer.Identity is not null,
        };
        session.Connection = connection;
        registration.Attachment = session;
        sessions.Open(connection);
        try
        {
            await queue.StoreAsync(new DeviceConnected(connection, time.GetUtcNow()), cancellationToken);
        }
        catch
        {
            sessions.Abandon(connection);
            throw;
        }
        if (replaced?.Attachment is CoapSession previous)
        {
            previous.Connection!.CloseReason = "The device registered again.";
        }
        connection.DownlinkSubscribed();
        commands.Wake(connection.DeviceId);
    }

    public void Awake(Lwm2mRegistration registration)
    {
        ArgumentNullException.ThrowIfNull(registration);
        if (registration.QueueMode)
        {
            commands.Wake(registration.Device.DeviceId);
        }
    }

    public async Task DeregisteredAsync(Lwm2mRegistration registration, string reason, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(registration);
        if (registration.Attachment is not CoapSession { Connection: { } connection } || !sessions.Close(connection))
        {
            return;
        }
        await queue.StoreAsync(new DeviceDisconnected(connection, time.GetUtcNow(), reason), cancellationToken);
    }

    public async Task ReportAsync(Lwm2mRegistration registration, ReadOnlyMemory<byte> payload, int? contentFormat, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(registration);
        if (registration.Attachment is not CoapSession { Connection: { } connection })
        {
            return;
        }
        var now = time.GetUtcNow();
        var item = new MessageUp(connection, now, DeviceMessage.EventPayload(new ReadOnlySequence<byte>(payload), topic: null));
        await queue.StoreAsync(item, cancellationToken);
        lastSeen.Note(connection, now);
    }

    /// <summary>Writes a command to the device; its 2.xx acknowledgement is stored as the command's delivery.</summary>
    private async Task WriteAsync(CoapSession session, DeviceCommand command)
    {
        var connection = session.Connection!;
        try
        {
            if (Server is not { } server)
            {
                return;
            }
            var mid = session.Remember(command.Id);
            var payload = CloudRequest(command, mid);
            var code = await server.WriteCommandAsync(session.Registration, payload, CoapContentFormat.Json, CancellationToken.None);
            if (!code.IsSuccess)
            {
                LogWriteRefused(logger, command.Id, connection.DeviceId, code.ToString());
                return;
            }
            await queue.StoreAsync(new CommandAcknowledged(connection, time.GetUtcNow(), command.Id), CancellationToken.None);
        }
        catch (Exception error) when (error is CoapTimeoutException or CoapResetException or InvalidOperationException)
        {
            LogWriteFailed(logger, command.Id, connection.DeviceId, error.Message);
        }
        finally
        {
            session.Sent(command.Id);
        }
    }

    private static byte[] CloudRequest(DeviceCommand command, ushort mid)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("msgType", "cloudReq");
            json.WriteString("serviceId", command.ServiceId);
            json.WriteString("cmd", command.Method);
            json.WritePropertyName("paras");
            json.WriteRawValue(command.Paras, skipInputValidation: true);
            json.WriteNumber("hasMore", 0);
            json.WriteNumber("mid", mid);
            json.WriteEndObject();
        }
        return buffer.ToArray();
    }

    /// <summary>
    /// A registration's session: whether the device listens, the commands being written (one write per command at a
    /// time, however often the dispatcher sends it again), and the message IDs its answers will name.
    /// </summary>
    private sealed class CoapSession(CoapDevices owner, Lwm2mRegistration registration) : IDeviceDownlink
    {
        private const int RememberedMids = 64;
        private readonly Lock _lock = new();
        private readonly HashSet<string> _writing = new(StringComparer.Ordinal);
        private readonly Queue<(ushort Mid, string CommandId)> _mids = new();
        private ushort _nextMid = (ushort)Random.Shared.Next(ushort.MaxValue);

        public Lwm2mRegistration Registration => registration;
        public DeviceConnection? Connection { get; set; }

        public bool Awake => registration.IsAwake(owner.time.GetUtcNow());

        public void Send(DeviceCommand command)
        {
            lock (_lock)
            {
                if (!_writing.Add(command.Id))
                {
                    return;
                }
            }
            _ = owner.WriteAsync(this, command);
        }

        public void Sent(string commandId)
        {
            lock (_lock)
            {
                _writing.Remove(commandId);
            }
        }

        public ushort Remember(string commandId)
        {
            lock (_lock)
            {
                var mid = ++_nextMid;
                _mids.Enqueue((mid, commandId));
                if (_mids.Count > RememberedMids)
                {
                    _mids.Dequeue();
                }
                return mid;
            }
        }

        public string? CommandOf(ushort mid)
        {
            lock (_lock)
            {
                return _mids.FirstOrDefault(m => m.Mid == mid).CommandId;
            }
        }
    }

    private sealed record EndpointRow(string DeviceId, string ApplicationId, bool DataManagement);

    [LoggerMessage(Level = LogLevel.Information, Message = "Command {CommandId} to device {DeviceId} was refused with {Code}.")]
    private static partial void LogWriteRefused(ILogger logger, string commandId, string deviceId, string code);

    [LoggerMessage(Level = LogLevel.Information, Message = "Command {CommandId} did not reach device {DeviceId}: {Reason}. It is sent again later.")]
    private static partial void LogWriteFailed(ILogger logger, string commandId, string deviceId, string reason);
}
