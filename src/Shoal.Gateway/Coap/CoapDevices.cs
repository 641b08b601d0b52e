using System.Buffers;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MQTTnet.Formatter;
using Shoal.Coap.Lwm2m;
using Shoal.Coap.Payloads;
using Shoal.Coap.Protocol;
using Shoal.Storage;
using Shoal.Storage.Entities;
using Shoal.Storage.Tracing;

namespace Shoal.Gateway.Coap;

/// <summary>
/// Shoal's devices as the LwM2M server sees them: a registration is a device session like an MQTT connection (the
/// same ingest queue, sessions and command dispatch), its reports become messages or properties, and its commands are
/// written to <c>/19/1/0</c>.
/// </summary>
internal sealed partial class CoapDevices(
    IServiceScopeFactory scopes, DeviceCredentials credentials, DeviceSessions sessions, IngestQueue queue, CommandSignal commands,
    LastSeenWriter lastSeen, Changes changes, TraceRecorder recorder, IOptions<GatewayOptions> options, TimeProvider time,
    ILogger<CoapDevices> logger) : ILwm2mDevices
{
    /// <summary>Each application's codec, parsed once; a change to the application voids it on every node.</summary>
    private readonly ChangeCache<PayloadCodec?> _codecs = new ChangeCache<PayloadCodec?>(time, TimeSpan.FromMinutes(10), 10_000)
        .VoidedBy(changes, ChangeKind.Application);

    /// <summary>
    /// Devices that connect themselves, by node ID or device ID; two of them means the name is ambiguous. Compiled per
    /// instance, as a compiled query belongs to the database provider it first ran on.
    /// </summary>
    private readonly Func<ShoalDb, string, IAsyncEnumerable<EndpointRow>> _readEndpoint = EF.CompileAsyncQuery(
        (ShoalDb db, string name) => db.Devices.AsNoTracking()
            .Where(d => (d.NodeId == name || d.Id == name) && d.GatewayId == null)
            .Join(db.Applications.Where(a => a.FrozenAt == null), d => d.ApplicationId, a => a.Id,
                (d, a) => new EndpointRow(d.Id, d.ApplicationId, a.DataManagement))
            .Take(2));

    private DateTimeOffset Now => time.GetUtcNow();

    /// <summary>Set by the listener: commands go out through it.</summary>
    public Lwm2mServer? Server { get; set; }

    public async ValueTask<Lwm2mDevice?> FindAsync(string endpointName, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ShoalDb>();
        var rows = new List<EndpointRow>(2);
        await foreach (var row in _readEndpoint(db, endpointName).WithCancellation(cancellationToken))
        {
            rows.Add(row);
        }
        return rows is [var only] ? new Lwm2mDevice(only.DeviceId, only.ApplicationId, only.DataManagement) : null;
    }

    /// <summary>
    /// The PSK of a DTLS client, looked up by the identity it gives (its endpoint name): its device's psk, whose hex
    /// digits are the key's bytes, two to a byte. A psk with an odd number of digits keys no DTLS session.
    /// </summary>
    public async ValueTask<byte[]?> PskAsync(string identity, CancellationToken cancellationToken)
    {
        if (await FindAsync(identity, cancellationToken) is not { } device
            || await credentials.GetAsync(device.DeviceId, cancellationToken) is not { Frozen: false, GatewayId: null, Secret: { } secret })
        {
            return null;
        }
        var hex = Encoding.UTF8.GetString(secret);
        return hex.Length % 2 == 0 && hex.All(char.IsAsciiHexDigit) ? Convert.FromHexString(hex) : null;
    }

    public async Task RegisteredAsync(Lwm2mRegistration registration, CancellationToken cancellationToken)
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
        connection.TraceSerial = recorder.Registered(registration);
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

    public async Task DeregisteredAsync(Lwm2mRegistration registration, bool lapsed, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(registration);
        if (registration.Attachment is not CoapSession { Connection: { } connection } || !sessions.Close(connection))
        {
            return;
        }
        recorder.Deregistered(connection, lapsed);
        var reason = lapsed ? "Its LwM2M registration lifetime ran out without an update." : "The device de-registered.";
        await queue.StoreAsync(new DeviceDisconnected(connection, time.GetUtcNow(), reason), cancellationToken);
    }

    public async Task ReportAsync(
        Lwm2mRegistration registration, string path, ReadOnlyMemory<byte> payload, int? contentFormat, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(registration);
        if (registration.Attachment is not CoapSession { Connection: { } connection } session)
        {
            return;
        }
        var now = time.GetUtcNow();
        var codec = await CodecAsync(connection.ApplicationId, cancellationToken);
        IngestItem item = DevicePayloads.Decode(codec, payload.Span) switch
        {
            UplinkPayload.Properties properties => new PropertiesReported(connection, now, [.. properties.Services.Select(s => Reported(s, now))]),
            UplinkPayload.CommandResponse response when session.CommandOf((ushort)response.Mid) is { } commandId =>
                new CommandResponded(connection, now, commandId, new CommandResponse(response.ResultCode, response.BodyJson)),
            _ => new MessageUp(connection, now, DeviceMessage.EventPayload(new ReadOnlySequence<byte>(payload), topic: null)),
        };
        var serial = recorder.Received(item, path, payload.Length);
        try
        {
            await queue.StoreAsync(item, cancellationToken);
        }
        catch (Exception error)
        {
            recorder.NotStored(item, serial, error);
            throw;
        }
        recorder.Stored(item, serial);
        lastSeen.Note(connection, now);
    }

    /// <summary>
    /// One service's values as ingest stores them; an event time further ahead than the clock tolerance is taken as the
    /// receive time, as for MQTT reports.
    /// </summary>
    private ReportedService Reported(ServiceProperties service, DateTimeOffset now)
    {
        using var data = JsonDocument.Parse(service.DataJson);
        var names = data.RootElement.EnumerateObject().Select(p => p.Name).ToList();
        var eventTime = service.EventTime is { } at && at - now <= options.Value.ClockTolerance ? at : now;
        return new ReportedService(service.ServiceId, service.DataJson, names, eventTime);
    }

    private async ValueTask<PayloadCodec?> CodecAsync(string applicationId, CancellationToken cancellationToken)
    {
        if (_codecs.TryGet(applicationId, out var codec))
        {
            return codec;
        }
        var stamp = _codecs.Stamp(applicationId);
        string? definition;
        await using (var scope = scopes.CreateAsyncScope())
        {
            definition = await scope.ServiceProvider.GetRequiredService<ShoalDb>().Applications.AsNoTracking()
                .Where(a => a.Id == applicationId).Select(a => a.Codec).SingleOrDefaultAsync(cancellationToken);
        }
        codec = definition is null ? null : PayloadCodec.Parse(definition).Codec;
        _codecs.Set(applicationId, codec, applicationId, stamp);
        return codec;
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
            var codec = await CodecAsync(connection.ApplicationId, CancellationToken.None);
            if (DevicePayloads.TryEncodeCommand(codec, command.ServiceId, command.Method, command.Paras, mid, out var contentFormat, out var error) is not { } payload)
            {
                // It would fail the same way every time: it ends FAILED with the reason instead of waiting for its timeout.
                LogNotEncoded(logger, command.Id, connection.DeviceId, error!);
                var why = "The command cannot be encoded for the device: " + error;
                recorder.CommandNotWritten(command, why, "Check the command against the application's codec, or the reference JSON form.");
                var reason = JsonSerializer.Serialize(new { error = why });
                await queue.StoreAsync(new CommandResponded(connection, time.GetUtcNow(), command.Id, new CommandResponse(1, reason)), CancellationToken.None);
                return;
            }
            var code = await server.WriteCommandAsync(session.Registration, payload, contentFormat, CancellationToken.None);
            recorder.CommandWritten(command, code);
            if (!code.IsSuccess)
            {
                LogWriteRefused(logger, command.Id, connection.DeviceId, code);
                return;
            }
            await queue.StoreAsync(new CommandAcknowledged(connection, time.GetUtcNow(), command.Id), CancellationToken.None);
        }
        catch (Exception error) when (error is CoapTimeoutException or CoapResetException or InvalidOperationException)
        {
            LogWriteFailed(logger, command.Id, connection.DeviceId, error.Message);
            recorder.CommandNotWritten(command, error.Message, "The device did not answer the write: it is sent again while the command lasts.");
        }
        finally
        {
            session.Sent(command.Id);
        }
    }

    /// <summary>
    /// A registration's session: whether the device listens, the commands being written (one write per command at a
    /// time, however often the dispatcher sends it again), and the message IDs its answers will name.
    /// </summary>
    private sealed class CoapSession(CoapDevices owner, Lwm2mRegistration registration) : IDeviceDownlink
    {
        private const int RememberedMids = 64;
        private readonly Lock _lock = new();
        // Made with the first command: most registrations hold none, and a node holds one per registered device.
        private HashSet<string>? _writing;
        private Queue<(ushort Mid, string CommandId)>? _mids;
        private ushort _nextMid = (ushort)Random.Shared.Next(ushort.MaxValue);

        public Lwm2mRegistration Registration => registration;
        public DeviceConnection? Connection { get; set; }

        public bool Awake => registration.IsAwake(owner.Now);

        public void Send(DeviceCommand command)
        {
            lock (_lock)
            {
                if (!(_writing ??= new HashSet<string>(StringComparer.Ordinal)).Add(command.Id))
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
                _writing?.Remove(commandId);
            }
        }

        public ushort Remember(string commandId)
        {
            lock (_lock)
            {
                var mid = ++_nextMid;
                _mids ??= new Queue<(ushort Mid, string CommandId)>();
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
                return _mids?.FirstOrDefault(m => m.Mid == mid).CommandId;
            }
        }
    }

    private sealed record EndpointRow(string DeviceId, string ApplicationId, bool DataManagement);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Command {CommandId} to device {DeviceId} cannot be encoded: {Reason}.")]
    private static partial void LogNotEncoded(ILogger logger, string commandId, string deviceId, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Command {CommandId} to device {DeviceId} was refused with {Code}.")]
    private static partial void LogWriteRefused(ILogger logger, string commandId, string deviceId, CoapCode code);

    [LoggerMessage(Level = LogLevel.Information, Message = "Command {CommandId} did not reach device {DeviceId}: {Reason}. It is sent again later.")]
    private static partial void LogWriteFailed(ILogger logger, string commandId, string deviceId, string reason);
}
