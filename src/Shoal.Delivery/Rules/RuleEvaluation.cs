using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Shoal.Storage.Entities;

namespace Shoal.Delivery.Rules;

/// <summary>What made a rule fire: the value of the first data condition it checked.</summary>
internal sealed record RuleMatch(string ServiceId, string Property, string Value);

/// <summary>Decides whether a device's report fires a rule.</summary>
internal static class RuleEvaluation
{
    /// <summary>
    /// The services of a <see cref="DeviceEventType.PropertiesReported"/> event by service ID. A condition is true only
    /// when this report carries its property: a rule fires on what a device just said, not on what it said earlier.
    /// </summary>
    public static Dictionary<string, JsonObject> ReportedServices(DeviceEvent deviceEvent)
    {
        ArgumentNullException.ThrowIfNull(deviceEvent);
        return JsonNode.Parse(deviceEvent.Payload)!["services"]!.AsArray()
            .Where(s => s?["data"] is JsonObject)
            .GroupBy(s => s!["serviceId"]!.GetValue<string>())
            .ToDictionary(g => g.Key, g => g.Last()!["data"]!.AsObject());
    }

    public static RuleMatch? Evaluate(Rule rule, IReadOnlyList<RuleCondition> conditions, string deviceId, Dictionary<string, JsonObject> services, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(rule);
        ArgumentNullException.ThrowIfNull(conditions);
        ArgumentNullException.ThrowIfNull(services);
        if (!InWindow(rule, TimeOnly.FromDateTime(now.UtcDateTime)))
        {
            return null;
        }
        RuleMatch? first = null;
        foreach (var condition in conditions)
        {
            var holds = false;
            if (condition.Type == RuleConditionType.DeviceData && (condition.DeviceId is null || condition.DeviceId == deviceId)
                && services.TryGetValue(condition.ServiceId!, out var data) && data[condition.Property!] is JsonValue reported)
            {
                holds = Compare(reported, condition);
                if (holds)
                {
                    first ??= new RuleMatch(condition.ServiceId!, condition.Property!, Text(reported));
                }
            }
            if (rule.Logic == RuleLogic.And && !holds)
            {
                return null;
            }
            if (rule.Logic == RuleLogic.Or && holds)
            {
                return first;
            }
        }
        return rule.Logic == RuleLogic.And ? first : null;
    }

    private static bool InWindow(Rule rule, TimeOnly time) => (rule.ActiveFrom, rule.ActiveUntil) switch
    {
        ({ } from, { } until) when from < until => time >= from && time < until,
        ({ } from, { } until) => time >= from || time < until,
        _ => true,
    };

    private static bool Compare(JsonValue reported, RuleCondition condition)
    {
        if (condition.Numeric && Number(reported) is { } actual)
        {
            var expected = decimal.Parse(condition.Value!, NumberStyles.Float, CultureInfo.InvariantCulture);
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
        JsonValueKind.Number when decimal.TryParse(value.ToJsonString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var number) => number,
        JsonValueKind.String when decimal.TryParse(value.GetValue<string>(), NumberStyles.Float, CultureInfo.InvariantCulture, out var number) => number,
        _ => null,
    };

    private static string Text(JsonValue value) => value.GetValueKind() == JsonValueKind.String ? value.GetValue<string>() : value.ToJsonString();
}
