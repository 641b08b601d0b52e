using System.Linq.Expressions;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Shoal.Server.Audit;
using Shoal.Gateway.SubDevices;
using Shoal.Server.Common;
using Shoal.Storage;
using Shoal.Storage.Entities;

namespace Shoal.Server.Devices;

/// <summary>
/// What registering a device takes; only <see cref="NodeId"/> is required. With <see cref="GatewayId"/> the device is a
/// sub-device of that gateway.
/// </summary>
internal sealed record DeviceRegistration(
    string? NodeId, string? VerifyCode, int? Timeout, string? Psk, string? ProductId, DeviceInfo? Info, string? GatewayId = null);

/// <summary>The descriptive fields of a device; null leaves a field as it is on a change.</summary>
internal sealed record DeviceInfo(
    string? Name = null, string? Manufacturer = null, string? Model = null, string? DeviceType = null,
    string? ProtocolType = null, string? Location = null, string? Description = null);

/// <summary>
/// A page of an application's devices. <see cref="Search"/> finds a case-insensitive part of the name, node ID or
/// device ID; <see cref="Sort"/> orders the list, by creation time unless given.
/// </summary>
internal sealed record DeviceQuery(
    int PageNo, int PageSize, DeviceStatus? Status, DateTimeOffset? From, DateTimeOffset? To, bool Ascending,
    string? Search = null, DeviceSort Sort = DeviceSort.Created);

/// <summary>What a device list is ordered by.</summary>
internal enum DeviceSort
{
    Created,
    Name,
    NodeId,
    Status,
    LastSeen,
}

internal static class DeviceSorts
{
    /// <summary>
    /// Reads a list's <c>sort</c> (name, nodeId, status, lastSeen, created) and <c>order</c> (asc, desc) as a query
    /// names them; times list newest first and the rest A to Z unless the order says otherwise. False for any other value.
    /// </summary>
    public static bool TryParse(string? sort, string? order, out DeviceSort by, out bool ascending)
    {
        by = DeviceSort.Created;
        ascending = false;
        if (!string.IsNullOrEmpty(sort) && (!char.IsLetter(sort[0]) || !Enum.TryParse(sort, ignoreCase: true, out by)))
        {
            return false;
        }
        switch (order?.ToLowerInvariant())
        {
            case null or "":
                ascending = by is not (DeviceSort.Created or DeviceSort.LastSeen);
                return true;
            case "asc" or "desc":
                ascending = order.Equals("asc", StringComparison.OrdinalIgnoreCase);
                return true;
            default:
                return false;
        }
    }

    /// <summary>The name a query gives the sort: camelCase, as the management API spells fields.</summary>
    public static string Name(this DeviceSort sort) => JsonNamingPolicy.CamelCase.ConvertName(sort.ToString());
}

/// <summary>A device secret, shown once when it is issued.</summary>
internal sealed record IssuedDevice(Device Device, string Secret);

internal sealed record NodeIdTaken() : Failure(StatusCodes.Status400BadRequest, "The nodeId has already been registered in this application.");

internal sealed record RequiredMissing(string Field) : Failure(StatusCodes.Status400BadRequest, $"'{Field}' is required.");

/// <summary>The devices of each application: registration, changes, deletion and their secrets.</summary>
internal sealed partial class DeviceRegistry(
    ShoalDb db, IDataProtectionProvider protection, AuditLog audit, Gateway.SessionReviewSignal sessions, SubDeviceNotices notices, Changes changes,
    TimeProvider time)
{
    private readonly IDataProtector _secrets = protection.CreateProtector(Device.SecretProtectionPurpose);

    public const int DefaultTimeoutSeconds = 180;

    /// <summary>A registration window longer than this (ten years) is kept as "never expires" rather than as a date decades away.</summary>
    public const int LongestTimeoutSeconds = 10 * 365 * 24 * 3600;
    private const int MaxTextLength = 256;

    [GeneratedRegex("^[0-9a-fA-F]{8,32}$")]
    private static partial Regex PskPattern();

    public async Task<Outcome<IssuedDevice>> RegisterAsync(
        string applicationId, DeviceRegistration input, Actor actor, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(actor);
        var nodeId = input.NodeId?.Trim();
        if (string.IsNullOrEmpty(nodeId))
        {
            return new RequiredMissing("nodeId");
        }
        var errors = new FieldErrors();
        if (nodeId.Length > 64)
        {
            errors.Add("nodeId", "Use at most 64 characters for the nodeId.");
        }
        var verifyCode = string.IsNullOrWhiteSpace(input.VerifyCode) ? nodeId : input.VerifyCode.Trim();
        if (verifyCode.Length > 64)
        {
            errors.Add("verifyCode", "Use at most 64 characters for the verifyCode.");
        }
        var timeout = input.Timeout ?? DefaultTimeoutSeconds;
        if (timeout < 0)
        {
            errors.Add("timeout", "The timeout is a number of seconds, 0 or more (0: the registration never expires).");
        }
        if (input.Psk is not null && !PskPattern().IsMatch(input.Psk))
        {
            errors.Add("psk", "The psk must be 8 to 32 hexadecimal characters.");
        }
        CheckInfo(input.Info, errors);
        if (input.ProductId?.Length > MaxTextLength)
        {
            errors.Add("productId", $"Use at most {MaxTextLength} characters for the productId.");
        }
        var gatewayId = string.IsNullOrWhiteSpace(input.GatewayId) ? null : input.GatewayId.Trim();
        if (gatewayId is not null && !await db.Devices.AnyAsync(
                d => d.Id == gatewayId && d.ApplicationId == applicationId && d.GatewayId == null, cancellationToken))
        {
            errors.Add("gatewayId", "The gateway must be a device of this application that is not itself a sub-device.");
        }
        if (errors.Any)
        {
            return new InvalidInput(errors);
        }
        if (await db.Devices.AnyAsync(d => d.ApplicationId == applicationId && d.NodeId == nodeId, cancellationToken))
        {
            return new NodeIdTaken();
        }

        var now = time.GetUtcNow();
        var secret = input.Psk ?? NewSecret();
        var device = new Device
        {
            Id = Guid.NewGuid().ToString(),
            ApplicationId = applicationId,
            NodeId = nodeId,
            VerifyCode = verifyCode,
            ProtectedSecret = _secrets.Protect(secret),
            ProductId = input.ProductId,
            Status = DeviceStatus.Inactive,
            GatewayId = gatewayId,
            // A sub-device never connects, so no connection could ever end its registration window.
            Timeout = gatewayId is null ? timeout : 0,
            RegistrationExpiresAt = gatewayId is not null || timeout is 0 or > LongestTimeoutSeconds ? null : now.AddSeconds(timeout),
            CreatedAt = now,
            LastModifiedAt = now,
        };
        Apply(device, input.Info);
        db.Devices.Add(device);
        await RecordAsync(actor, applicationId, "device.registered",
            gatewayId is null ? $"Device {device.Id} (nodeId {nodeId})." : $"Device {device.Id} (nodeId {nodeId}), a sub-device of gateway {gatewayId}.",
            cancellationToken);
        long? version = null;
        try
        {
            if (gatewayId is null)
            {
                await db.SaveChangesAsync(cancellationToken);
            }
            else
            {
                version = await db.SaveSubDeviceChangesAsync(gatewayId, cancellationToken);
            }
        }
        catch (DbUpdateException)
        {
            return new NodeIdTaken();
        }
        changes.Publish(ChangeKind.DeviceList, applicationId);
        if (version is { } added)
        {
            await notices.AddedAsync(gatewayId!, device, added, cancellationToken);
        }
        return new IssuedDevice(device, secret);
    }

    public Task<Device?> FindAsync(string applicationId, string deviceId, CancellationToken cancellationToken) =>
        db.Devices.AsNoTracking().SingleOrDefaultAsync(d => d.Id == deviceId && d.ApplicationId == applicationId, cancellationToken);

    public async Task<(IReadOnlyList<Device> Devices, int TotalCount)> ListAsync(string applicationId, DeviceQuery query, CancellationToken cancellationToken)
    {
        var found = Found(applicationId, query);
        return (await Page(found, query).ToListAsync(cancellationToken), await found.CountAsync(cancellationToken));
    }

    /// <summary>The IDs of a page of devices, in the page's order, and how many devices the query finds in all.</summary>
    public async Task<(IReadOnlyList<string> DeviceIds, int TotalCount)> ListIdsAsync(string applicationId, DeviceQuery query, CancellationToken cancellationToken)
    {
        var found = Found(applicationId, query);
        return (await Page(found, query).Select(d => d.Id).ToListAsync(cancellationToken), await found.CountAsync(cancellationToken));
    }

    private IQueryable<Device> Found(string applicationId, DeviceQuery query)
    {
        ArgumentNullException.ThrowIfNull(query);
        var devices = db.Devices.AsNoTracking().Where(d => d.ApplicationId == applicationId);
        if (query.Status is { } status)
        {
            devices = devices.Where(d => d.Status == status);
        }
        if (query.From is { } from)
        {
            devices = devices.Where(d => d.CreatedAt >= from);
        }
        if (query.To is { } to)
        {
            devices = devices.Where(d => d.CreatedAt <= to);
        }
        if (query.Search?.Trim().ToLowerInvariant() is { Length: > 0 } search)
        {
            devices = devices.Where(d => (d.Name != null && d.Name.ToLower().Contains(search)) || d.NodeId.ToLower().Contains(search) || d.Id.ToLower().Contains(search));
        }
        return devices;
    }

    private static IQueryable<Device> Page(IQueryable<Device> devices, DeviceQuery query)
    {
        var ascending = query.Ascending;
        var ordered = query.Sort switch
        {
            // Devices without a name, or never seen, come last either way: the two databases would otherwise place nulls differently.
            DeviceSort.Name => Then(devices.OrderBy(d => d.Name == null), d => d.Name),
            DeviceSort.NodeId => First(d => d.NodeId),
            DeviceSort.Status => First(d => d.Status),
            DeviceSort.LastSeen => Then(devices.OrderBy(d => d.LastSeenAt == null), d => d.LastSeenAt),
            _ => First(d => d.CreatedAt),
        };
        return ordered.ThenBy(d => d.Id).Skip(query.PageNo * query.PageSize).Take(query.PageSize);

        IOrderedQueryable<Device> First<TKey>(Expression<Func<Device, TKey>> key) => ascending ? devices.OrderBy(key) : devices.OrderByDescending(key);

        IOrderedQueryable<Device> Then<TKey>(IOrderedQueryable<Device> sorted, Expression<Func<Device, TKey>> key) =>
            ascending ? sorted.ThenBy(key) : sorted.ThenByDescending(key);
    }

    public async Task<Outcome<Device>> ModifyAsync(string applicationId, string deviceId, DeviceInfo info, Actor actor, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(info);
        ArgumentNullException.ThrowIfNull(actor);
        var errors = new FieldErrors();
        CheckInfo(info, errors);
        if (errors.Any)
        {
            return new InvalidInput(errors);
        }
        var device = await db.Devices.SingleOrDefaultAsync(d => d.Id == deviceId && d.ApplicationId == applicationId, cancellationToken);
        if (device is null)
        {
            return new Missing("Device");
        }
        Apply(device, info);
        device.LastModifiedAt = time.GetUtcNow();
        AddEvent(device, DeviceEventType.DeviceInfoChanged, InfoPayload(device));
        await RecordAsync(actor, applicationId, "device.modified", $"Device {device.Id} (nodeId {device.NodeId}).", cancellationToken);
        await db.SaveChangesAsync(cancellationToken);
        changes.Publish(ChangeKind.Device, device.Id);
        return device;
    }

    public async Task<Outcome<Device>> DeleteAsync(string applicationId, string deviceId, Actor actor, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(actor);
        var device = await db.Devices.SingleOrDefaultAsync(d => d.Id == deviceId && d.ApplicationId == applicationId, cancellationToken);
        if (device is null)
        {
            return new Missing("Device");
        }
        // A gateway takes its sub-devices with it: without it they have no way to reach Shoal.
        var subDevices = await db.Devices.Where(d => d.GatewayId == deviceId).ToListAsync(cancellationToken);
        foreach (var subDevice in subDevices)
        {
            db.Devices.Remove(subDevice);
            AddEvent(subDevice, DeviceEventType.DeviceDeleted, "{}");
        }
        db.Devices.Remove(device);
        AddEvent(device, DeviceEventType.DeviceDeleted, "{}");
        await RecordAsync(actor, applicationId, "device.deleted", subDevices.Count == 0
            ? $"Device {device.Id} (nodeId {device.NodeId})."
            : $"Device {device.Id} (nodeId {device.NodeId}) and its {subDevices.Count} sub-devices ({string.Join(", ", subDevices.Select(d => d.Id))}).",
            cancellationToken);
        if (device.GatewayId is { } gatewayId)
        {
            var version = await db.SaveSubDeviceChangesAsync(gatewayId, cancellationToken);
            await notices.DeletedAsync(gatewayId, device, version, cancellationToken);
        }
        else
        {
            await db.SaveChangesAsync(cancellationToken);
            sessions.Raise();
        }
        changes.Publish(ChangeKind.Device, subDevices.Select(d => d.Id).Append(device.Id));
        changes.Publish(ChangeKind.DeviceList, applicationId);
        return device;
    }

    /// <summary>Issues a new device secret (or sets the given psk); the old one, and every HTTPS access token it won, stop working at once.</summary>
    public async Task<Outcome<IssuedDevice>> ResetSecretAsync(
        string applicationId, string deviceId, string? psk, Actor actor, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(actor);
        if (psk is not null && !PskPattern().IsMatch(psk))
        {
            return new InvalidInput(FieldErrors.Of("psk", "The psk must be 8 to 32 hexadecimal characters."));
        }
        var device = await db.Devices.SingleOrDefaultAsync(d => d.Id == deviceId && d.ApplicationId == applicationId, cancellationToken);
        if (device is null)
        {
            return new Missing("Device");
        }
        var secret = psk ?? NewSecret();
        device.ProtectedSecret = _secrets.Protect(secret);
        device.LastModifiedAt = time.GetUtcNow();
        await RecordAsync(actor, applicationId, "device.secret-reset", $"Device {device.Id} (nodeId {device.NodeId}).", cancellationToken);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        await db.DeviceAccessTokens.Where(t => t.DeviceId == device.Id).ExecuteDeleteAsync(cancellationToken);
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        changes.Publish(ChangeKind.Device, device.Id);
        return new IssuedDevice(device, secret);
    }

    /// <summary>Removes registrations whose devices never connected within their timeout, a batch at a time.</summary>
    public async Task<int> RemoveExpiredRegistrationsAsync(int batchSize, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var expired = await db.Devices
            .Where(d => !d.Activated && d.RegistrationExpiresAt != null && d.RegistrationExpiresAt <= now)
            .OrderBy(d => d.RegistrationExpiresAt).Take(batchSize)
            .Select(d => new { d.Id, d.ApplicationId, d.NodeId })
            .ToListAsync(cancellationToken);
        if (expired.Count == 0)
        {
            return 0;
        }
        var ids = expired.Select(d => d.Id).ToList();
        var owners = await db.Applications.Where(a => expired.Select(d => d.ApplicationId).Contains(a.Id))
            .ToDictionaryAsync(a => a.Id, a => a.OwnerId, cancellationToken);
        foreach (var device in expired)
        {
            audit.Record(db, new Actor(null, "Shoal", null), owners[device.ApplicationId], "device.registration-expired", device.ApplicationId,
                $"Device {device.Id} (nodeId {device.NodeId}) never connected within its timeout and was removed.");
        }
        await db.SaveChangesAsync(cancellationToken);
        var removed = await db.Devices.Where(d => ids.Contains(d.Id) && !d.Activated).ExecuteDeleteAsync(cancellationToken);
        changes.Publish(ChangeKind.Device, ids);
        changes.Publish(ChangeKind.DeviceList, owners.Keys);
        return removed;
    }

    /// <summary>Logs the change for pushes, in the transaction that makes it.</summary>
    private void AddEvent(Device device, DeviceEventType type, string payload) =>
        db.DeviceEvents.Add(new DeviceEvent
        {
            ApplicationId = device.ApplicationId,
            DeviceId = device.Id,
            Type = type,
            Payload = payload,
            CreatedAt = time.GetUtcNow(),
        });

    /// <summary>The device's fields as the reference platform's <c>deviceInfo</c> names them.</summary>
    private static string InfoPayload(Device device) => JsonSerializer.Serialize(new
    {
        nodeId = device.NodeId,
        name = device.Name,
        description = device.Description,
        manufacturerName = device.Manufacturer,
        location = device.Location,
        deviceType = device.DeviceType,
        model = device.Model,
        protocolType = device.ProtocolType,
        status = device.Status.ToString().ToUpperInvariant(),
    });

    private static string NewSecret() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));

    private static void CheckInfo(DeviceInfo? info, FieldErrors errors)
    {
        if (info is null)
        {
            return;
        }
        foreach (var (field, value) in new[]
        {
            ("name", info.Name), ("manufacturer", info.Manufacturer), ("model", info.Model), ("deviceType", info.DeviceType),
            ("protocolType", info.ProtocolType), ("location", info.Location),
        })
        {
            if (value?.Length > MaxTextLength)
            {
                errors.Add(field, $"Use at most {MaxTextLength} characters for {field}.");
            }
        }
        if (info.Description?.Length > 2048)
        {
            errors.Add("description", "Use at most 2,048 characters for the description.");
        }
    }

    private static void Apply(Device device, DeviceInfo? info)
    {
        if (info is null)
        {
            return;
        }
        device.Name = Change(device.Name, info.Name);
        device.Manufacturer = Change(device.Manufacturer, info.Manufacturer);
        device.Model = Change(device.Model, info.Model);
        device.DeviceType = Change(device.DeviceType, info.DeviceType);
        device.ProtocolType = Change(device.ProtocolType, info.ProtocolType);
        device.Location = Change(device.Location, info.Location);
        device.Description = Change(device.Description, info.Description);
    }

    /// <summary>Null leaves a field as it is; an empty or blank value clears it.</summary>
    private static string? Change(string? current, string? requested) =>
        requested is null ? current : string.IsNullOrWhiteSpace(requested) ? null : requested.Trim();

    private async Task RecordAsync(Actor actor, string applicationId, string action, string detail, CancellationToken cancellationToken)
    {
        var owner = await db.Applications.Where(a => a.Id == applicationId).Select(a => a.OwnerId).SingleAsync(cancellationToken);
        audit.Record(db, actor, owner, action, applicationId, detail);
    }
}
