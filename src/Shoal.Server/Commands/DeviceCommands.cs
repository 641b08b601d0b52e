using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Shoal.Delivery;
using Shoal.Gateway;
using Shoal.Server.Common;
using Shoal.Server.Devices;
using Shoal.Storage;
using Shoal.Storage.Entities;

namespace Shoal.Server.Commands;

/// <summary>What an NA asks a device to do.</summary>
/// <summary>A command to send; <see cref="IssuerId"/> is the application whose NA sends it through a grant, if it does.</summary>
internal sealed record NewCommand(string? ServiceId, string? Method, JsonElement? Paras, string? CallbackUrl, int? ExpireTime, int? MaxRetransmit, string? IssuerId = null);

/// <summary>Which commands to list: optionally one device's, created within a time range; <see cref="PageNo"/> counts from 0.</summary>
internal sealed record CommandQuery(string? DeviceId, DateTimeOffset? From, DateTimeOffset? To, int PageNo, int PageSize);

internal sealed record IllegalCallbackUrl(string Why) : Failure(StatusCodes.Status400BadRequest, Why);

internal sealed record NotPending(DeviceCommandStatus Current)
    : Failure(StatusCodes.Status400BadRequest, $"Only a PENDING command can be canceled; this one is {DeviceCommandView.Status(Current)}.");

/// <summary>
/// Stores the commands NAs send and cancels them. Delivery is the gateway's <c>CommandDispatchWorker</c>, woken here
/// once a command is committed; every state change is logged as a device event in the same transaction.
/// </summary>
internal sealed class DeviceCommands(
    ShoalDb db, CommandSignal dispatcher, CallbackAddressGuard guard, IOptions<GatewayOptions> gateway, TimeProvider time)
{
    public const int DefaultExpireTime = 172_800;
    public const int MaxExpireTime = 30 * 86_400;
    public const int MaxRetransmit = 3;
    public const int MaxParasLength = 64 * 1024;

    public async Task<Outcome<DeviceCommand>> CreateAsync(string applicationId, string deviceId, NewCommand input, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (Check(input) is { } failure)
        {
            return failure;
        }
        var device = await db.Devices.AsNoTracking()
            .Where(d => d.Id == deviceId && d.ApplicationId == applicationId)
            .Select(d => new { d.Status })
            .SingleOrDefaultAsync(cancellationToken);
        if (device is null)
        {
            return new Missing("Device");
        }
        // The callback URL is pushed to like a subscription's, so it is held to the same rules, internal hosts included.
        if (input.CallbackUrl is { } callbackUrl)
        {
            var protocol = await db.Applications.Where(a => a.Id == applicationId).Select(a => a.PushProtocol).SingleAsync(cancellationToken);
            if (await guard.CheckCallbackUrlAsync(callbackUrl, protocol, cancellationToken) is { } illegal)
            {
                return new IllegalCallbackUrl($"The callback URL is illegal: {illegal}");
            }
        }
        var now = time.GetUtcNow();
        var expireTime = input.ExpireTime ?? DefaultExpireTime;
        var command = new DeviceCommand
        {
            Id = Guid.NewGuid().ToString("N"),
            ApplicationId = applicationId,
            IssuerId = input.IssuerId,
            DeviceId = deviceId,
            ServiceId = input.ServiceId!,
            Method = input.Method!,
            Paras = input.Paras is { ValueKind: JsonValueKind.Object } paras ? paras.GetRawText() : "{}",
            CallbackUrl = input.CallbackUrl,
            ExpireTime = expireTime,
            // "Now or never" still leaves one poll interval, so that the node holding the device's connection can see it.
            ExpiresAt = now + (expireTime == 0 ? gateway.Value.CommandPollInterval : TimeSpan.FromSeconds(expireTime)),
            MaxRetransmit = input.MaxRetransmit ?? 0,
            Status = DeviceCommandStatus.Pending,
            CreatedAt = now,
        };
        if (expireTime == 0 && device.Status != DeviceStatus.Online)
        {
            command.Status = DeviceCommandStatus.Expired;
            command.CompletedAt = now;
        }
        db.DeviceCommands.Add(command);
        db.DeviceEvents.Add(DeviceCommandView.StateChanged(command, now));
        await db.SaveChangesAsync(cancellationToken);
        dispatcher.Wake();
        return command;
    }

    public async Task<(IReadOnlyList<DeviceCommand> Commands, int TotalCount)> ListAsync(
        string applicationId, CommandQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        var commands = db.DeviceCommands.AsNoTracking().Where(c => c.ApplicationId == applicationId);
        if (query.DeviceId is { } deviceId)
        {
            commands = commands.Where(c => c.DeviceId == deviceId);
        }
        if (query.From is { } from)
        {
            commands = commands.Where(c => c.CreatedAt >= from);
        }
        if (query.To is { } to)
        {
            commands = commands.Where(c => c.CreatedAt <= to);
        }
        var total = await commands.CountAsync(cancellationToken);
        var page = await commands.OrderByDescending(c => c.CreatedAt).ThenBy(c => c.Id)
            .Skip(query.PageNo * query.PageSize).Take(query.PageSize).ToListAsync(cancellationToken);
        return (page, total);
    }

    /// <summary>The services and command names already sent to the device, most used first.</summary>
    public async Task<(IReadOnlyList<string> Services, IReadOnlyList<string> Methods)> ChoicesAsync(
        string applicationId, string deviceId, CancellationToken cancellationToken)
    {
        var sent = db.DeviceCommands.AsNoTracking().Where(c => c.ApplicationId == applicationId && c.DeviceId == deviceId);
        var services = await sent.GroupBy(c => c.ServiceId).OrderByDescending(g => g.Count()).Select(g => g.Key).Take(50).ToListAsync(cancellationToken);
        var methods = await sent.GroupBy(c => c.Method).OrderByDescending(g => g.Count()).Select(g => g.Key).Take(50).ToListAsync(cancellationToken);
        return (services, methods);
    }

    public async Task<Outcome<DeviceCommand>> CancelAsync(string applicationId, string commandId, CancellationToken cancellationToken)
    {
        var command = await db.DeviceCommands.SingleOrDefaultAsync(c => c.Id == commandId && c.ApplicationId == applicationId, cancellationToken);
        if (command is null)
        {
            return new Missing("Command");
        }
        if (command.Status != DeviceCommandStatus.Pending)
        {
            return new NotPending(command.Status);
        }
        var now = time.GetUtcNow();
        command.CompletedAt = now;
        command.MoveTo(DeviceCommandStatus.Canceled);
        db.DeviceEvents.Add(DeviceCommandView.StateChanged(command, now));
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateConcurrencyException)
        {
            // The dispatcher sent it (or a sweep ended it) a moment ago.
            var current = await db.DeviceCommands.AsNoTracking().Where(c => c.Id == commandId).Select(c => c.Status).SingleAsync(cancellationToken);
            return new NotPending(current);
        }
        return command;
    }

    private static Failure? Check(NewCommand input)
    {
        if (string.IsNullOrEmpty(input.ServiceId))
        {
            return new RequiredMissing("command.serviceId");
        }
        if (string.IsNullOrEmpty(input.Method))
        {
            return new RequiredMissing("command.method");
        }
        var errors = new FieldErrors();
        if (input.ServiceId.Length > 64)
        {
            errors.Add("command.serviceId", "command.serviceId is at most 64 characters.");
        }
        if (input.Method.Length > 128)
        {
            errors.Add("command.method", "command.method is at most 128 characters.");
        }
        if (input.Paras is { } paras && paras.ValueKind is not (JsonValueKind.Object or JsonValueKind.Null))
        {
            errors.Add("command.paras", "command.paras must be a JSON object.");
        }
        else if (input.Paras is { ValueKind: JsonValueKind.Object } objectParas && objectParas.GetRawText().Length > MaxParasLength)
        {
            errors.Add("command.paras", $"command.paras is at most {MaxParasLength} characters of JSON.");
        }
        if (input.ExpireTime is < 0 or > MaxExpireTime)
        {
            errors.Add("expireTime", $"expireTime is from 0 (now or never) to {MaxExpireTime} seconds.");
        }
        if (input.MaxRetransmit is < 0 or > MaxRetransmit)
        {
            errors.Add("maxRetransmit", $"maxRetransmit is from 0 to {MaxRetransmit}.");
        }
        if (errors.Any)
        {
            return new InvalidInput(errors);
        }
        return null;
    }
}
