using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Shoal.Storage;
using Shoal.Storage.Entities;
using Shoal.Storage.Tracing;

namespace Shoal.Gateway;

/// <summary>
/// Sends commands to the devices connected to this node and ends those that waited too long. It runs when woken
/// (<see cref="CommandSignal"/>: a command stored on this node, a device connecting) and every
/// <see cref="GatewayOptions.CommandPollInterval"/>, which is how a command stored on another node sharing the database
/// reaches the node that holds its device's connection.
/// </summary>
internal sealed partial class CommandDispatchWorker(
    CommandSignal signal, DeviceSessions sessions, GatewayServer gateway, IServiceScopeFactory scopes, IOptions<GatewayOptions> options,
    TraceRecorder recorder, TimeProvider time, ILogger<CommandDispatchWorker> logger) : BackgroundService
{
    private const int BatchSize = 500;
    private readonly SemaphoreSlim _running = new(1, 1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                // The gathering window is counted on the system clock: a few milliseconds of batching, not a deadline.
                var devices = await signal.WaitAsync(
                    options.Value.CommandPollInterval, time, options.Value.ConnectGathering, TimeProvider.System, stoppingToken);
                try
                {
                    await RunOnceAsync(stoppingToken, devices);
                }
                catch (Exception error) when (error is not OperationCanceledException)
                {
                    LogRunFailed(logger, error);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    public override void Dispose()
    {
        _running.Dispose();
        base.Dispose();
    }

    /// <summary>
    /// Ends the commands whose time is up, then publishes those due to the devices listening on this node; with
    /// <paramref name="devices"/>, only publishes those due to these devices (they have just connected).
    /// </summary>
    public async Task RunOnceAsync(CancellationToken cancellationToken, IReadOnlySet<string>? devices = null)
    {
        await _running.WaitAsync(cancellationToken);
        try
        {
            var now = time.GetUtcNow();
            if (devices is null)
            {
                await EndOverdueAsync(now, cancellationToken);
            }
            await PublishDueAsync(now, devices, cancellationToken);
        }
        finally
        {
            _running.Release();
        }
    }

    /// <summary>
    /// Undelivered past its expiry: EXPIRED. Delivered without a response in time, or sent as often as allowed without a
    /// PUBACK: TIMEOUT. Any node may do this; the version check lets only one of them move a command.
    /// </summary>
    private async Task EndOverdueAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var unacknowledgedSince = now - settings.CommandRetransmitInterval;
        var unansweredSince = now - settings.CommandResponseTimeout;
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ShoalDb>();
        var overdue = await db.DeviceCommands
            .Where(c => ((c.Status == DeviceCommandStatus.Pending || c.Status == DeviceCommandStatus.Sent) && c.ExpiresAt < now)
                || (c.Status == DeviceCommandStatus.Delivered && c.DeliveredAt <= unansweredSince)
                || (c.Status == DeviceCommandStatus.Sent && c.IssuedTimes > c.MaxRetransmit && c.SentAt <= unacknowledgedSince))
            .OrderBy(c => c.ExpiresAt)
            .Take(BatchSize)
            .ToListAsync(cancellationToken);
        foreach (var command in overdue)
        {
            var undelivered = command.Status is DeviceCommandStatus.Pending or DeviceCommandStatus.Sent && command.ExpiresAt < now;
            command.CompletedAt = now;
            command.MoveTo(undelivered ? DeviceCommandStatus.Expired : DeviceCommandStatus.Timeout);
            db.DeviceEvents.Add(DeviceCommandView.StateChanged(command, now));
        }
        if (await SaveAsync(db, cancellationToken))
        {
            overdue.ForEach(recorder.CommandOverdue);
        }
    }

    /// <summary>PENDING commands, and SENT ones whose PUBACK is overdue and may be sent again, of devices connected here.</summary>
    private async Task PublishDueAsync(DateTimeOffset now, IReadOnlySet<string>? devices, CancellationToken cancellationToken)
    {
        var listening = (devices is null ? sessions.ReceivingDownlink() : sessions.ReceivingDownlink(devices)).Select(c => c.DeviceId);
        foreach (var chunk in listening.Chunk(DeviceSessions.IdsPerQuery))
        {
            // A full batch may have left commands behind (many devices gathered, or one with many commands): those
            // published are SENT now, so the next batch holds the rest.
            while (await PublishBatchAsync(now, chunk, cancellationToken) == BatchSize)
            {
            }
        }
    }

    /// <summary>Publishes up to <see cref="BatchSize"/> commands due to <paramref name="listening"/>; how many, or 0 when they raced.</summary>
    private async Task<int> PublishBatchAsync(DateTimeOffset now, string[] listening, CancellationToken cancellationToken)
    {
        var unacknowledgedSince = now - options.Value.CommandRetransmitInterval;
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ShoalDb>();
        // A sub-device's commands go to its gateway, which passes them on.
        var due = await db.DeviceCommands
            .Join(db.Devices, c => c.DeviceId, d => d.Id, (c, d) => new { Command = c, Addressee = d.GatewayId ?? d.Id })
            .Where(c => listening.Contains(c.Addressee))
            .Where(c => (c.Command.Status == DeviceCommandStatus.Pending && c.Command.ExpiresAt >= now)
                || (c.Command.Status == DeviceCommandStatus.Sent && c.Command.IssuedTimes <= c.Command.MaxRetransmit && c.Command.SentAt <= unacknowledgedSince))
            .OrderBy(c => c.Command.CreatedAt)
            .Take(BatchSize)
            .ToListAsync(cancellationToken);
        if (due.Count == 0)
        {
            return 0;
        }
        foreach (var command in due.Select(c => c.Command))
        {
            command.IssuedTimes++;
            command.SentAt = now;
            if (command.Status == DeviceCommandStatus.Pending)
            {
                command.MoveTo(DeviceCommandStatus.Sent);
                db.DeviceEvents.Add(DeviceCommandView.StateChanged(command, now));
            }
            else
            {
                command.Version++;
            }
        }
        // SENT is committed before the publish, so the device's PUBACK always finds the command SENT.
        if (!await SaveAsync(db, cancellationToken))
        {
            return 0;
        }
        foreach (var (command, addressee) in due.Select(c => (c.Command, c.Addressee)))
        {
            if (sessions.Find(addressee)?.Downlink is { } downlink)
            {
                downlink.Send(command);
                LogPublished(logger, command.Id, command.DeviceId, command.IssuedTimes);
                continue;
            }
            var topic = TopicPolicy.CommandRequest(addressee, command.Id);
            await gateway.PublishAsync(topic, Request(command), cancellationToken);
            recorder.CommandPublished(command, topic);
            LogPublished(logger, command.Id, command.DeviceId, command.IssuedTimes);
        }
        return due.Count;
    }

    /// <summary>False when another node or the NA changed one of the commands first: the next run sees the new state.</summary>
    private async Task<bool> SaveAsync(ShoalDb db, CancellationToken cancellationToken)
    {
        try
        {
            await db.SaveChangesAsync(cancellationToken);
            return true;
        }
        catch (DbUpdateConcurrencyException)
        {
            LogRaced(logger);
            return false;
        }
    }

    /// <summary><c>{"object_device_id","service_id","command_name","paras"}</c>, as the reference platform's devices expect.</summary>
    private static byte[] Request(DeviceCommand command)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("object_device_id", command.DeviceId);
            json.WriteString("service_id", command.ServiceId);
            json.WriteString("command_name", command.Method);
            json.WritePropertyName("paras");
            json.WriteRawValue(command.Paras, skipInputValidation: true);
            json.WriteEndObject();
        }
        return buffer.ToArray();
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Command {CommandId} published to device {DeviceId} (time {IssuedTimes}).")]
    private static partial void LogPublished(ILogger logger, string commandId, string deviceId, int issuedTimes);

    [LoggerMessage(Level = LogLevel.Information, Message = "A command changed while it was being dispatched; the next run takes it up again.")]
    private static partial void LogRaced(ILogger logger);

    [LoggerMessage(Level = LogLevel.Error, Message = "Dispatching device commands failed; the next run tries again.")]
    private static partial void LogRunFailed(ILogger logger, Exception error);
}
