using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Shoal.Storage;
using Shoal.Storage.Entities;

namespace Shoal.Gateway.SubDevices;

/// <summary>A sub-device a gateway asks to add: the fields of the reference platform's request, as sent.</summary>
internal sealed record SubDeviceToAdd(string? NodeId, string? ProductId, string? DeviceId, string? Name, string? Description, string? ParentDeviceId);

/// <summary>Why one device of a gateway's request was not handled; the codes are listed in the device interface docs.</summary>
internal sealed record SubDeviceFailure(string? DeviceId, string? NodeId, string? ProductId, string ErrorCode, string ErrorMessage);

/// <summary>What one device of a gateway's request came to: the device, or why not.</summary>
internal sealed record SubDeviceOutcome(Device? Device, SubDeviceFailure? Failure);

/// <summary>What a gateway's request to add or delete sub-devices came to, and the gateway's sub-device version after it.</summary>
internal sealed record SubDeviceChanges(IReadOnlyList<SubDeviceOutcome> Outcomes, long Version)
{
    public IEnumerable<Device> Changed => Outcomes.Select(o => o.Device).OfType<Device>();
}

/// <summary>The sub-devices of gateways, as the gateways themselves add, delete and list them over MQTT.</summary>
internal sealed partial class SubDeviceRegistry(
    IServiceScopeFactory scopes, IDataProtectionProvider protection, EventLogSignal committed, Changes changes, TimeProvider time)
{
    public const string InvalidDevice = "INVALID_DEVICE";
    public const string DeviceExists = "DEVICE_EXISTS";
    public const string NotSubDevice = "NOT_SUB_DEVICE";
    public const string InvalidStatus = "INVALID_STATUS";

    /// <summary>Longest device ID and node ID, as the device table holds them.</summary>
    public const int MaxIdLength = 64;
    private const int MaxTextLength = 256;
    private const int MaxDescriptionLength = 2048;
    private readonly IDataProtector _secrets = protection.CreateProtector(Device.SecretProtectionPurpose);

    [GeneratedRegex("^[A-Za-z0-9_-]+$")]
    private static partial Regex DeviceIdPattern();

    /// <summary>Of <paramref name="deviceIds"/>, those that are not sub-devices of <paramref name="gateway"/>.</summary>
    public async Task<List<string>> NotSubDevicesOfAsync(DeviceIdentity gateway, IReadOnlyCollection<string> deviceIds, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ShoalDb>();
        var own = await db.Devices
            .Where(d => deviceIds.Contains(d.Id) && d.GatewayId == gateway.DeviceId && d.ApplicationId == gateway.ApplicationId)
            .Select(d => d.Id).ToListAsync(cancellationToken);
        return [.. deviceIds.Except(own, StringComparer.Ordinal)];
    }

    /// <summary>The gateway's sub-devices, oldest first, and its sub-device version.</summary>
    public async Task<(List<Device> Devices, long Version)> ListAsync(DeviceIdentity gateway, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ShoalDb>();
        var version = await db.Devices.Where(d => d.Id == gateway.DeviceId).Select(d => d.SubDevicesVersion).SingleOrDefaultAsync(cancellationToken);
        var devices = await db.Devices.AsNoTracking().Where(d => d.GatewayId == gateway.DeviceId)
            .OrderBy(d => d.CreatedAt).ThenBy(d => d.Id).ToListAsync(cancellationToken);
        return (devices, version);
    }

    /// <summary>
    /// Registers what can be registered of <paramref name="requested"/> under the gateway, in one transaction. Sub-devices
    /// never connect: each gets a secret no one is told, and a registration that never expires.
    /// </summary>
    public async Task<SubDeviceChanges> AddAsync(DeviceIdentity gateway, IReadOnlyList<SubDeviceToAdd> requested, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ShoalDb>();
        var wanted = requested.Select(r => (Request: r, DeviceId: string.IsNullOrEmpty(r.DeviceId) ? $"{r.ProductId}_{r.NodeId}" : r.DeviceId)).ToList();
        var nodeIds = wanted.Select(w => w.Request.NodeId).OfType<string>().ToList();
        var deviceIds = wanted.Select(w => w.DeviceId).ToList();
        var takenNodeIds = (await db.Devices.Where(d => d.ApplicationId == gateway.ApplicationId && nodeIds.Contains(d.NodeId))
            .Select(d => d.NodeId).ToListAsync(cancellationToken)).ToHashSet(StringComparer.Ordinal);
        var takenDeviceIds = (await db.Devices.Where(d => deviceIds.Contains(d.Id)).Select(d => d.Id).ToListAsync(cancellationToken))
            .ToHashSet(StringComparer.Ordinal);

        var now = time.GetUtcNow();
        var outcomes = new List<SubDeviceOutcome>(wanted.Count);
        foreach (var (request, deviceId) in wanted)
        {
            var problem = Check(gateway, request, deviceId, takenNodeIds, takenDeviceIds);
            if (problem is not null)
            {
                outcomes.Add(new SubDeviceOutcome(null, problem));
                continue;
            }
            takenNodeIds.Add(request.NodeId!);
            takenDeviceIds.Add(deviceId);
            var device = new Device
            {
                Id = deviceId,
                ApplicationId = gateway.ApplicationId,
                GatewayId = gateway.DeviceId,
                NodeId = request.NodeId!,
                VerifyCode = request.NodeId!,
                ProtectedSecret = _secrets.Protect(Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16))),
                ProductId = request.ProductId,
                Name = NullIfEmpty(request.Name),
                Description = NullIfEmpty(request.Description),
                Status = DeviceStatus.Inactive,
                CreatedAt = now,
                LastModifiedAt = now,
            };
            db.Devices.Add(device);
            outcomes.Add(new SubDeviceOutcome(device, null));
        }
        var added = outcomes.Where(o => o.Device is not null).Select(o => o.Device!).ToList();
        if (added.Count == 0)
        {
            return new SubDeviceChanges(outcomes, 0);
        }
        await RecordAsync(db, gateway, "device.registered",
            $"Gateway {gateway.DeviceId} added sub-devices {string.Join(", ", added.Select(d => $"{d.Id} (nodeId {d.NodeId})"))}.", cancellationToken);
        try
        {
            var saved = new SubDeviceChanges(outcomes, await db.SaveSubDeviceChangesAsync(gateway.DeviceId, cancellationToken));
            changes.Publish(ChangeKind.DeviceList, gateway.ApplicationId);
            return saved;
        }
        catch (DbUpdateException)
        {
            // Another request took one of the IDs between the check and the commit: nothing of this one was stored.
            return new SubDeviceChanges([.. outcomes.Select(o => o.Device is { } device
                ? new SubDeviceOutcome(null, new SubDeviceFailure(null, device.NodeId, device.ProductId, DeviceExists,
                    $"The node_id {device.NodeId} or device ID {device.Id} was registered meanwhile; nothing of this request was added."))
                : o)], 0);
        }
    }

    /// <summary>Deletes those of <paramref name="deviceIds"/> that are sub-devices of the gateway, each with its deletion event.</summary>
    public async Task<SubDeviceChanges> DeleteAsync(DeviceIdentity gateway, IReadOnlyList<string> deviceIds, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ShoalDb>();
        var own = await db.Devices.Where(d => deviceIds.Contains(d.Id) && d.GatewayId == gateway.DeviceId && d.ApplicationId == gateway.ApplicationId)
            .ToDictionaryAsync(d => d.Id, cancellationToken);
        var now = time.GetUtcNow();
        var outcomes = new List<SubDeviceOutcome>(deviceIds.Count);
        foreach (var deviceId in deviceIds)
        {
            if (!own.Remove(deviceId, out var device))
            {
                outcomes.Add(new SubDeviceOutcome(null, new SubDeviceFailure(deviceId, null, null, NotSubDevice,
                    $"Device {deviceId} is not a sub-device of gateway {gateway.DeviceId}.")));
                continue;
            }
            db.Devices.Remove(device);
            db.DeviceEvents.Add(new DeviceEvent
            {
                ApplicationId = device.ApplicationId, DeviceId = device.Id, Type = DeviceEventType.DeviceDeleted, Payload = "{}", CreatedAt = now,
            });
            outcomes.Add(new SubDeviceOutcome(device, null));
        }
        var deleted = outcomes.Where(o => o.Device is not null).Select(o => o.Device!.Id).ToList();
        if (deleted.Count == 0)
        {
            return new SubDeviceChanges(outcomes, 0);
        }
        await RecordAsync(db, gateway, "device.deleted", $"Gateway {gateway.DeviceId} deleted sub-devices {string.Join(", ", deleted)}.", cancellationToken);
        var version = await db.SaveSubDeviceChangesAsync(gateway.DeviceId, cancellationToken);
        changes.Publish(ChangeKind.Device, deleted);
        changes.Publish(ChangeKind.DeviceList, gateway.ApplicationId);
        committed.Raise();
        return new SubDeviceChanges(outcomes, version);
    }

    private static SubDeviceFailure? Check(
        DeviceIdentity gateway, SubDeviceToAdd request, string deviceId, HashSet<string> takenNodeIds, HashSet<string> takenDeviceIds)
    {
        SubDeviceFailure Fail(string code, string message) => new(null, request.NodeId, request.ProductId, code, message);
        if (string.IsNullOrEmpty(request.NodeId) || string.IsNullOrEmpty(request.ProductId))
        {
            return Fail(InvalidDevice, "node_id and product_id are required.");
        }
        if (request.NodeId.Length > MaxIdLength || request.ProductId.Length > MaxTextLength)
        {
            return Fail(InvalidDevice, $"node_id takes at most {MaxIdLength} characters, product_id at most {MaxTextLength}.");
        }
        if (deviceId.Length > MaxIdLength || !DeviceIdPattern().IsMatch(deviceId))
        {
            return Fail(InvalidDevice, $"The device ID {deviceId} is not 1 to {MaxIdLength} characters of A-Z, a-z, 0-9, _ and -.");
        }
        if (request.Name?.Length > MaxTextLength || request.Description?.Length > MaxDescriptionLength)
        {
            return Fail(InvalidDevice, $"name takes at most {MaxTextLength} characters, description at most {MaxDescriptionLength}.");
        }
        if (!string.IsNullOrEmpty(request.ParentDeviceId) && request.ParentDeviceId != gateway.DeviceId)
        {
            return Fail(InvalidDevice, "parent_device_id must be the gateway itself: sub-devices do not have sub-devices.");
        }
        if (takenNodeIds.Contains(request.NodeId))
        {
            return Fail(DeviceExists, $"The node_id {request.NodeId} is already registered in this application.");
        }
        return takenDeviceIds.Contains(deviceId) ? Fail(DeviceExists, $"The device ID {deviceId} is already registered.") : null;
    }

    private static string? NullIfEmpty(string? text) => string.IsNullOrWhiteSpace(text) ? null : text.Trim();

    private async Task RecordAsync(ShoalDb db, DeviceIdentity gateway, string action, string detail, CancellationToken cancellationToken)
    {
        var owner = await db.Applications.Where(a => a.Id == gateway.ApplicationId).Select(a => a.OwnerId).SingleAsync(cancellationToken);
        db.AuditEntries.Add(new AuditEntry
        {
            ApplicationId = gateway.ApplicationId,
            SubjectUserId = owner,
            Actor = $"Gateway {gateway.DeviceId}",
            Action = action,
            Detail = detail.Length > 4096 ? detail[..4096] : detail,
            At = time.GetUtcNow(),
        });
    }
}
