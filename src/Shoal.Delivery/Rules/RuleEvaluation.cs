using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Shoal.Storage.Entities;

namespace Shoal.Delivery.Rules;

/// <summary>
/// What made a rule fire: the first condition that held. For a data condition its property and the reported value;
/// for a status condition the status (ONLINE or OFFLINE) as the value, with no service or property.
/// </summary>
internal sealed record RuleMatch(RuleConditionType Type, string ServiceId, string Property, string Value);

/// <summary>
/// What one device event says that rules can react to: the services of a report, or the device's new status. A
/// condition is true only when the event carries its property or status: a rule fires on what a device just said or
/// did, not on what it said earlier.
/// </summary>
internal sealed record Observation(Dictionary<string, JsonObject> Services, string? Status)
{
    public static Observation Of(DeviceEvent deviceEvent)
    {
        ArgumentNullException.ThrowIfNull(deviceEvent);
        if (deviceEvent.Type == DeviceEventType.StatusChanged)
        {
            return new Observation([], DeviceStatusPayload.Read(deviceEvent.Payload));
        }
        var services = JsonNode.Parse(deviceEvent.Payload)!["services"]!.AsArray()
            .Where(s => s?["data"] is JsonObject)
            .GroupBy(s => s!["serviceId"]!.GetValue<string>())
            .ToDictionary(g => g.Key, g => g.Last()!["data"]!.AsObject());
        return new Observation(services, null);
    }
}

/// <summary>Decides whether what a device reported or did fires a rule.</summary>
internal static class RuleEvaluation
{
    public static RuleMatch? Evaluate(Rule rule, IReadOnlyList<RuleCondition> conditions, string deviceId, Observation observation, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(rule);
        ArgumentNullException.ThrowIfNull(conditions);
        ArgumentNullException.ThrowIfNull(observation);
        if (!InWindow(rule, TimeOnly.FromDateTime(now.UtcDateTime)))
        {
            return null;
        }
        RuleMatch? first = null;
        foreach (var condition in conditions)
        {
            var match = condition.DeviceId is null || condition.DeviceId == deviceId ? Match(condition, observation) : null;
            first ??= match;
            if (rule.Logic == RuleLogic.And && match is null)
            {
                return null;
            }
            if (rule.Logic == RuleLogic.Or && match is not null)
            {
                return first;
            }
        }
        return rule.Logic == RuleLogic.And ? first : null;
    }

    private static RuleMatch? Match(RuleCondition condition, Observation observation) => condition.Type switch
    {
        RuleConditionType.DeviceData when observation.Services.TryGetValue(condition.ServiceId!, out var data)
            && data[condition.Property!] is JsonValue reported && Compare(reported, condition)
            => new RuleMatch(RuleConditionType.DeviceData, condition.ServiceId!, condition.Property!, Text(reported)),
        RuleConditionType.DeviceStatus when observation.Status is { } status && status == condition.DeviceStatus
            => new RuleMatch(RuleConditionType.DeviceStatus, "", "", status),
        _ => null,
    };

    private static bool InWindow(Rule rule, TimeOnly time) => (rule.ActiveFrom, rule.ActiveUntil) switch
    {
        ({ } from, { } until) when from < until => time >= from && time < until,
        ({ } from, { } until) => time >= from || time < until,
        _ => true,
    };

    private static bool Compare(JsonValue reported, RuleCondition condition)
    {
        if (condition.Threshold is { } expected && Number(reported) is { } actual)
        {
            return condition.Operator switch
            {
                ">" => actual > expected,
                ">=" => actual >= expected,
                "<" => actual < expected,
                "<=" => actual <= expected,
                "==" => actual == expected,
                _ => actual != expected,
            };
        }
        var equal = string.Equals(Text(reported), condition.Value, StringComparison.Ordinal);
        return condition.Operator switch
        {
            "==" => equal,
            "!=" => !equal,
            _ => false,
        };
    }

    private static decimal? Number(JsonValue value) => value.GetValueKind() switch
    {
        JsonValueKind.Number when value.TryGetValue<decimal>(out var number) => number,
        JsonValueKind.String when decimal.TryParse(value.GetValue<string>(), NumberStyles.Float, CultureInfo.InvariantCulture, out var number) => number,
        _ => null,
    };

    private static string Text(JsonValue value) => value.GetValueKind() == JsonValueKind.String ? value.GetValue<string>() : value.ToJsonString();
}
