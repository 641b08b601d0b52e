using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Shoal.Gateway;
using Shoal.Server.Audit;
using Shoal.Server.Common;
using Shoal.Storage;
using Shoal.Storage.Entities;

namespace Shoal.Server.Devices;

/// <summary>A change to one service's desired values: its properties are merged in, and a property set to null is removed.</summary>
internal sealed record DesiredChange(string? ServiceId, JsonElement? Desired);

/// <summary>
/// The application's side of the device shadow: the values it wants each service of a device to have. Storing them
/// wakes the gateway, which sends them to the device if it is connected, and otherwise when it connects.
/// </summary>
internal sealed class DesiredValues(ShoalDb db, DeviceShadowSignal signal, AuditLog audit, TimeProvider time)
{
    public const int MaxServiceIdLength = 64;
    public const int MaxServicesPerDevice = 100;
    public const int MaxPropertyNameLength = 128;
    /// <summary>Longest desired value of one service, as JSON text: the reference platform's property report limit is 64 KB.</summary>
    public const int MaxDesiredLength = 16 * 1024;

    /// <summary>Why <paramref name="changes"/> cannot be stored, under <paramref name="field"/>; empty when they can.</summary>
    public static FieldErrors Check(IReadOnlyList<DesiredChange>? changes, string field)
    {
        var errors = new FieldErrors();
        if (changes is not { Count: > 0 })
        {
            errors.Add(field, "Give at least one service with its desired properties.");
            return errors;
        }
        if (changes.Count > MaxServicesPerDevice)
        {
            errors.Add(field, $"Give at most {MaxServicesPerDevice} services.");
        }
        if (changes.Any(c => c.ServiceId is not { Length: > 0 and <= MaxServiceIdLength }))
        {
            errors.Add(field, $"Each service needs a serviceId of 1 to {MaxServiceIdLength} characters.");
        }
        if (changes.GroupBy(c => c.ServiceId, StringComparer.Ordinal).Any(g => g.Count() > 1))
        {
            errors.Add(field, "Name each service once.");
        }
        foreach (var change in changes)
        {
            if (change.Desired is not { ValueKind: JsonValueKind.Object } desired || !desired.EnumerateObject().Any())
            {
                errors.Add(field, $"The desired value of '{change.ServiceId}' must be an object with at least one property.");
            }
            else if (Unstorable(desired, change.ServiceId!) is { } problem)
            {
                errors.Add(field, problem);
            }
        }
        return errors;
    }

    /// <summary>What is wrong with the first name or text in <paramref name="value"/> that cannot be stored, or null.</summary>
    private static string? Unstorable(JsonElement value, string path)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var property in value.EnumerateObject())
                {
                    string name;
                    try
                    {
                        name = property.Name;
                    }
                    catch (InvalidOperationException)
                    {
                        return $"A property name under '{path}' is not valid Unicode.";
                    }
                    if (name.Length is 0 or > MaxPropertyNameLength || name.AsSpan().IndexOfAny(".$\0") >= 0)
                    {
                        return $"The property name '{name.Replace("\0", "\\u0000", StringComparison.Ordinal)}' under '{path}' must have 1 to "
                            + $"{MaxPropertyNameLength} characters and no '.', '$' or NUL.";
                    }
                    if (Unstorable(property.Value, $"{path}.{name}") is { } problem)
                    {
                        return problem;
                    }
                }
                return null;
            case JsonValueKind.Array:
                return value.EnumerateArray().Select(item => Unstorable(item, path)).FirstOrDefault(p => p is not null);
            case JsonValueKind.String:
                try
                {
                    return value.GetString()!.Contains('\0', StringComparison.Ordinal) ? $"A text under '{path}' holds NUL." : null;
                }
                catch (InvalidOperationException)
                {
                    return $"A text under '{path}' is not valid Unicode.";
                }
            default:
                return null;
        }
    }

    /// <summary>
    /// Merges checked <paramref name="changes"/> into the device's desired values; each service that changes gets a new
    /// version. A service left with no property has no desired value any more.
    /// </summary>
    public async Task<Outcome<bool>> SetAsync(
        string applicationId, string deviceId, IReadOnlyList<DesiredChange> changes, Actor actor, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(changes);
        ArgumentNullException.ThrowIfNull(actor);
        var owner = await db.Devices.Where(d => d.Id == deviceId && d.ApplicationId == applicationId)
            .Join(db.Applications, d => d.ApplicationId, a => a.Id, (d, a) => (Guid?)a.OwnerId)
            .SingleOrDefaultAsync(cancellationToken);
        if (owner is null)
        {
            return new Missing("Device");
        }
        var stored = await db.DeviceDesiredStates.Where(d => d.DeviceId == deviceId).ToDictionaryAsync(d => d.ServiceId, StringComparer.Ordinal, cancellationToken);
        var now = time.GetUtcNow();
        var errors = new FieldErrors();
        foreach (var change in changes)
        {
            var current = stored.GetValueOrDefault(change.ServiceId!);
            var merged = current is null ? new JsonObject() : JsonNode.Parse(current.Desired)!.AsObject();
            foreach (var property in change.Desired!.Value.EnumerateObject())
            {
                if (property.Value.ValueKind == JsonValueKind.Null)
                {
                    merged.Remove(property.Name);
                }
                else
                {
                    merged[property.Name] = JsonNode.Parse(property.Value.GetRawText());
                }
            }
            var text = merged.ToJsonString();
            if (text.Length > MaxDesiredLength)
            {
                errors.Add("services", $"The desired value of '{change.ServiceId}' would be longer than {MaxDesiredLength} characters of JSON.");
            }
            else if (merged.Count == 0 && current is not null)
            {
                db.DeviceDesiredStates.Remove(current);
                stored.Remove(current.ServiceId);
            }
            else if (merged.Count > 0 && current is null)
            {
                stored[change.ServiceId!] = db.DeviceDesiredStates.Add(new DeviceDesiredState
                {
                    DeviceId = deviceId, ServiceId = change.ServiceId!, Desired = text, EventTime = now, Version = 1,
                }).Entity;
            }
            else if (current is not null && text != current.Desired)
            {
                current.Desired = text;
                current.EventTime = now;
                current.Version++;
            }
        }
        if (stored.Count > MaxServicesPerDevice)
        {
            errors.Add("services", $"A device has desired values for at most {MaxServicesPerDevice} services.");
        }
        if (errors.Any)
        {
            return new InvalidInput(errors);
        }
        audit.Record(db, actor, owner.Value, "device.desired-values-set", applicationId,
            $"Device {deviceId}: {string.Join(", ", changes.Select(c => c.ServiceId))}");
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException)
        {
            return new Refused(StatusCodes.Status409Conflict, "The desired values changed at the same time.", "Send the change again.");
        }
        signal.Wake();
        return true;
    }

    public Task<List<ServiceShadow>> ReadAsync(string deviceId, CancellationToken cancellationToken) =>
        DeviceShadowView.ReadAsync(db, deviceId, null, cancellationToken);
}
