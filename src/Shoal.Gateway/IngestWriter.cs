using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Shoal.Gateway.SubDevices;
using Shoal.Storage;
using Shoal.Storage.Entities;
using Shoal.Storage.Ingest;

namespace Shoal.Gateway;

/// <summary>
/// The one writer of device data: takes whatever the queue holds (up to a batch), writes it in one transaction and
/// only then lets the publishers acknowledge. One commit serves many devices, which is what makes durable ingest fast.
/// </summary>
internal sealed partial class IngestWriter(
    IngestQueue queue, IngestStore store, EventLogSignal committed, Changes changes, IOptions<GatewayOptions> options, TimeProvider time,
    GatewayMetrics metrics, ILogger<IngestWriter> logger)
    : BackgroundService
{
    private readonly ArrayBufferWriter<byte> _payload = new();
    private Utf8JsonWriter? _json;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (await queue.Reader.WaitToReadAsync(stoppingToken))
            {
                await RunOnceAsync(stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        while (queue.Reader.TryRead(out var left))
        {
            left.Failed(new OperationCanceledException("Shoal is stopping."));
        }
    }

    public override void Dispose()
    {
        _json?.Dispose();
        base.Dispose();
    }

    /// <summary>Commits one batch of what is queued; returns how many items it took.</summary>
    public async Task<int> RunOnceAsync(CancellationToken cancellationToken)
    {
        var batch = new List<IngestItem>();
        while (batch.Count < options.Value.IngestBatchSize && queue.Reader.TryRead(out var item))
        {
            batch.Add(item);
        }
        if (batch.Count == 0)
        {
            return 0;
        }
        try
        {
            await CommitAsync(batch, cancellationToken);
        }
        catch (Exception error) when (batch.Count > 1 && error is not OperationCanceledException)
        {
            // One bad item (say, a device deleted a moment ago) must not fail its neighbours: commit each alone.
            if (StorageFailures.IsMissingReference(error))
            {
                LogDeviceGone(logger, batch.Count);
            }
            else
            {
                LogBatchFailed(logger, batch.Count, error);
            }
            foreach (var item in batch)
            {
                await CommitAloneAsync(item, cancellationToken);
            }
        }
        catch (Exception error)
        {
            LogBatchFailed(logger, batch.Count, error);
            batch.ForEach(item => item.Failed(error));
        }
        return batch.Count;
    }

    private async Task CommitAloneAsync(IngestItem item, CancellationToken cancellationToken)
    {
        try
        {
            await CommitAsync([item], cancellationToken);
        }
        catch (Exception error)
        {
            item.Failed(error);
        }
    }

    private async Task CommitAsync(List<IngestItem> batch, CancellationToken cancellationToken)
    {
        var rows = new IngestRows();
        var refused = new List<IngestItem>();
        var now = time.GetUtcNow();
        // The commit's real duration, whatever clock the writer is given.
        var started = Stopwatch.GetTimestamp();
        IReadOnlyCollection<string> statusesRead = [];
        if (batch.Any(item => item is DeviceConnected or DeviceAuthenticated or DeviceDisconnected or CommandAcknowledged or CommandResponded or SubDeviceStatusesReported))
        {
            // Rare and needing a read first: these go through EF, in the transaction of the batch's other rows.
            await store.WriteAsync(rows, async (db, token) =>
            {
                var (devices, commands) = await LoadAsync(db, batch, options.Value.Node, token);
                Collect(batch, rows, devices, commands, refused, now);
                statusesRead = devices.Keys;
                await db.SaveChangesAsync(token);
            }, cancellationToken);
        }
        else
        {
            Collect(batch, rows, [], [], refused, now);
            await store.WriteAsync(rows, null, cancellationToken);
        }
        metrics.Committed(batch.Count - refused.Count, Stopwatch.GetElapsedTime(started));

        if (rows.Events.Count > 0)
        {
            committed.Raise();
        }
        changes.Publish(ChangeKind.DeviceState, statusesRead.Concat(rows.States.Select(s => s.DeviceId)).Distinct());
        foreach (var item in batch)
        {
            if (refused.Contains(item))
            {
                item.Failed(new InvalidOperationException($"Device {item.Device.DeviceId} no longer exists."));
            }
            else
            {
                item.Committed();
            }
        }
    }

    /// <summary>
    /// The devices whose status the batch changes, with the online sub-devices of the gateways that disconnect (they go
    /// offline with their gateway), and the commands it answers.
    /// </summary>
    private static async Task<(Dictionary<string, Device> Devices, Dictionary<string, AddressedCommand> Commands)> LoadAsync(
        ShoalDb db, IReadOnlyList<IngestItem> batch, string node, CancellationToken cancellationToken)
    {
        var statusDeviceIds = batch.Where(i => i is DeviceConnected or DeviceAuthenticated or DeviceDisconnected).Select(i => i.Device.DeviceId)
            .Concat(batch.OfType<SubDeviceStatusesReported>().SelectMany(i => i.Statuses.Select(s => s.DeviceId)))
            .Distinct().ToList();
        var disconnecting = batch.OfType<DeviceDisconnected>().Select(i => (string?)i.Device.DeviceId).Distinct().ToList();
        var devices = statusDeviceIds.Count == 0
            ? []
            : await db.Devices.Where(d => statusDeviceIds.Contains(d.Id)
                    || (d.GatewayId != null && disconnecting.Contains(d.GatewayId) && d.ConnectedNode == node))
                .ToDictionaryAsync(d => d.Id, cancellationToken);
        var commandIds = batch.Select(i => i switch { CommandAcknowledged a => a.CommandId, CommandResponded r => r.CommandId, _ => null })
            .OfType<string>().Distinct().ToList();
        var commands = commandIds.Count == 0
            ? []
            : await db.DeviceCommands.Where(c => commandIds.Contains(c.Id))
                .Join(db.Devices, c => c.DeviceId, d => d.Id, (c, d) => new AddressedCommand(c, d.GatewayId ?? d.Id))
                .ToDictionaryAsync(c => c.Command.Id, cancellationToken);
        return (devices, commands);
    }

    /// <summary>Turns the batch into rows, in order, and applies the status and command changes to the loaded entities.</summary>
    private void Collect(
        IReadOnlyList<IngestItem> batch, IngestRows rows, Dictionary<string, Device> devices, Dictionary<string, AddressedCommand> commands,
        List<IngestItem> refused, DateTimeOffset now)
    {
        var node = options.Value.Node;
        foreach (var item in batch)
        {
            var connection = item.Device;
            switch (item)
            {
                case PropertiesReported report:
                    AddReport(rows, item, connection.DeviceId, report.Services, now);
                    break;
                case SubDevicesReported subDevicesReport:
                    foreach (var subDevice in subDevicesReport.Reports)
                    {
                        AddReport(rows, item, subDevice.DeviceId, subDevice.Services, now);
                    }
                    break;
                case SubDeviceStatusesReported statuses:
                    statuses.Applied.Clear();
                    foreach (var status in statuses.Statuses)
                    {
                        if (devices.TryGetValue(status.DeviceId, out var subDevice) && subDevice.GatewayId == connection.DeviceId)
                        {
                            SetSubDeviceStatus(rows, item, subDevice, status.Online, node, now);
                            statuses.Applied.Add(status.DeviceId);
                        }
                    }
                    break;
                case MessageUp message:
                    AddEvent(rows, item, message.SubDeviceId ?? connection.DeviceId, DeviceEventType.MessageUp, message.Payload, now);
                    break;
                case EventReported reported:
                    AddEvent(rows, item, reported.SubDeviceId ?? connection.DeviceId, DeviceEventType.EventReported, reported.Payload, now);
                    break;
                case DeviceConnected when devices.TryGetValue(connection.DeviceId, out var device):
                    var cameOnline = device.Status != DeviceStatus.Online;
                    device.Status = DeviceStatus.Online;
                    device.ConnectedNode = node;
                    device.LastSeenAt = item.ReceivedAt;
                    Activate(rows, item, device, now);
                    if (cameOnline)
                    {
                        AddEvent(rows, item, DeviceEventType.StatusChanged, DeviceStatusPayload.Online, now);
                    }
                    break;
                case DeviceAuthenticated when devices.TryGetValue(connection.DeviceId, out var device):
                    device.LastSeenAt = item.ReceivedAt;
                    Activate(rows, item, device, now);
                    if (device.Status == DeviceStatus.Inactive)
                    {
                        // Activated yet holding no session: what an activated device without a connection is.
                        device.Status = DeviceStatus.Offline;
                        AddEvent(rows, item, DeviceEventType.StatusChanged, DeviceStatusPayload.Offline, now);
                    }
                    break;
                case DeviceConnected or DeviceAuthenticated:
                    refused.Add(item);
                    break;
                // When another node has taken the device over since, the device is still online, there.
                case DeviceDisconnected disconnected when devices.TryGetValue(connection.DeviceId, out var device) && device.ConnectedNode == node:
                    device.Status = DeviceStatus.Offline;
                    device.ConnectedNode = null;
                    device.LastSeenAt = item.ReceivedAt;
                    device.LastDisconnectReason = disconnected.Reason;
                    device.LastDisconnectedAt = item.ReceivedAt;
                    AddEvent(rows, item, DeviceEventType.StatusChanged, DeviceStatusPayload.Offline, now);
                    foreach (var subDevice in devices.Values.Where(d => d.GatewayId == device.Id && d.Status == DeviceStatus.Online && d.ConnectedNode == node))
                    {
                        SetSubDeviceStatus(rows, item, subDevice, online: false, node, now);
                    }
                    break;
                case CommandAcknowledged acknowledged when OwnCommand(commands, acknowledged.CommandId, connection) is { Status: DeviceCommandStatus.Sent } command:
                    command.DeliveredAt = item.ReceivedAt;
                    command.MoveTo(DeviceCommandStatus.Delivered);
                    rows.Events.Add(DeviceCommandView.StateChanged(command, now));
                    break;
                case CommandResponded responded
                    when OwnCommand(commands, responded.CommandId, connection) is { Status: DeviceCommandStatus.Sent or DeviceCommandStatus.Delivered } command:
                    // A response proves delivery, even if it overtook the PUBACK.
                    command.DeliveredAt ??= item.ReceivedAt;
                    command.CompletedAt = item.ReceivedAt;
                    command.Result = responded.Response.Json;
                    command.MoveTo(responded.Response.Succeeded ? DeviceCommandStatus.Successful : DeviceCommandStatus.Failed);
                    rows.Events.Add(DeviceCommandView.StateChanged(command, now));
                    break;
                case CommandResponded responded:
                    LogResponseIgnored(logger, connection.DeviceId, responded.CommandId);
                    break;
            }
        }
    }

    /// <summary>One device's properties report: history (when the application keeps it), latest values and the event.</summary>
    private void AddReport(IngestRows rows, IngestItem item, string deviceId, IReadOnlyList<ReportedService> services, DateTimeOffset now)
    {
        var connection = item.Device;
        foreach (var service in services)
        {
            if (connection.DataManagement)
            {
                rows.Points.Add(new DeviceDataPoint
                {
                    ApplicationId = connection.ApplicationId,
                    DeviceId = deviceId,
                    ServiceId = service.ServiceId,
                    Data = service.Data,
                    PropertyNames = $",{string.Join(',', service.PropertyNames)},",
                    EventTime = service.EventTime,
                    ReceivedAt = item.ReceivedAt,
                });
            }
            rows.Remember(new DeviceServiceState
            {
                DeviceId = deviceId, ServiceId = service.ServiceId, Data = service.Data, EventTime = service.EventTime,
            });
        }
        AddEvent(rows, item, deviceId, DeviceEventType.PropertiesReported, ReportPayload(services), now);
    }

    /// <summary>A device's first authentication binds it: the registration no longer expires, and its NA hears it was added.</summary>
    private static void Activate(IngestRows rows, IngestItem item, Device device, DateTimeOffset now)
    {
        if (device.Activated)
        {
            return;
        }
        device.Activated = true;
        device.RegistrationExpiresAt = null;
        var info = DevicePayload(device);
        AddEvent(rows, item, device.Id, DeviceEventType.DeviceBound, info, now);
        AddEvent(rows, item, device.Id, DeviceEventType.DeviceAdded, info, now);
    }

    /// <summary>
    /// A sub-device going online or offline, with the events a direct device's connect or disconnect makes. It holds the
    /// gateway's node while online, so that a node that dies with the gateway's connection sets it offline on restart.
    /// </summary>
    private static void SetSubDeviceStatus(IngestRows rows, IngestItem item, Device subDevice, bool online, string node, DateTimeOffset now)
    {
        subDevice.LastSeenAt = item.ReceivedAt;
        if (online)
        {
            var cameOnline = subDevice.Status != DeviceStatus.Online;
            subDevice.Status = DeviceStatus.Online;
            subDevice.ConnectedNode = node;
            Activate(rows, item, subDevice, now);
            if (cameOnline)
            {
                AddEvent(rows, item, subDevice.Id, DeviceEventType.StatusChanged, DeviceStatusPayload.Online, now);
            }
        }
        // A sub-device that has never been online stays INACTIVE.
        else if (subDevice.Status == DeviceStatus.Online)
        {
            subDevice.Status = DeviceStatus.Offline;
            subDevice.ConnectedNode = null;
            AddEvent(rows, item, subDevice.Id, DeviceEventType.StatusChanged, DeviceStatusPayload.Offline, now);
        }
    }

    /// <summary>
    /// The command with this ID if it was sent to this device: its own, or one of a sub-device it is the gateway of. A
    /// device cannot move another's commands.
    /// </summary>
    private static DeviceCommand? OwnCommand(Dictionary<string, AddressedCommand> commands, string commandId, DeviceIdentity device) =>
        commands.TryGetValue(commandId, out var command) && command.Addressee == device.DeviceId ? command.Command : null;

    /// <summary>A command with the device it is published to: the gateway of a sub-device, or the device itself.</summary>
    private sealed record AddressedCommand(DeviceCommand Command, string Addressee);

    private static void AddEvent(IngestRows rows, IngestItem item, DeviceEventType type, string payload, DateTimeOffset now) =>
        AddEvent(rows, item, item.Device.DeviceId, type, payload, now);

    /// <summary>An event of <paramref name="deviceId"/>: the item's own device, or a sub-device of it, in the same application.</summary>
    private static void AddEvent(IngestRows rows, IngestItem item, string deviceId, DeviceEventType type, string payload, DateTimeOffset now) =>
        rows.Events.Add(item.Event = new DeviceEvent
        {
            ApplicationId = item.Device.ApplicationId,
            DeviceId = deviceId,
            Type = type,
            Payload = payload,
            CreatedAt = now,
        });

    /// <summary>
    /// The report as its event stores it, <c>{"services":[{"serviceId","data":{...},"eventTime"}]}</c>: what a data push
    /// is made from. The writer's buffer is reused, since one batch is written at a time.
    /// </summary>
    private string ReportPayload(IReadOnlyList<ReportedService> services)
    {
        _payload.ResetWrittenCount();
        var json = _json ??= new Utf8JsonWriter(_payload);
        json.Reset(_payload);
        json.WriteStartObject();
        json.WriteStartArray("services");
        Span<char> eventTime = stackalloc char[32];
        foreach (var service in services)
        {
            json.WriteStartObject();
            json.WriteString("serviceId", service.ServiceId);
            json.WritePropertyName("data");
            json.WriteRawValue(service.Data, skipInputValidation: true);
            service.EventTime.UtcDateTime.TryFormat(eventTime, out var length, PropertiesReport.EventTimeFormat, CultureInfo.InvariantCulture);
            json.WriteString("eventTime", eventTime[..length]);
            json.WriteEndObject();
        }
        json.WriteEndArray();
        json.WriteEndObject();
        json.Flush();
        return Encoding.UTF8.GetString(_payload.WrittenSpan);
    }

    private static string DevicePayload(Device device) => JsonSerializer.Serialize(new
    {
        deviceId = device.Id,
        nodeId = device.NodeId,
        name = device.Name,
        manufacturerName = device.Manufacturer,
        model = device.Model,
        deviceType = device.DeviceType,
        protocolType = device.ProtocolType,
    });

    [LoggerMessage(Level = LogLevel.Information, Message = "Device {DeviceId} answered command {CommandId}, which is not its own or no longer waits for an answer.")]
    private static partial void LogResponseIgnored(ILogger logger, string deviceId, string commandId);

    [LoggerMessage(Level = LogLevel.Information, Message = "A device in a batch of {Count} messages was deleted meanwhile; the batch is committed message by message.")]
    private static partial void LogDeviceGone(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Error, Message = "Committing {Count} device messages failed; they are not acknowledged.")]
    private static partial void LogBatchFailed(ILogger logger, int count, Exception error);
}
