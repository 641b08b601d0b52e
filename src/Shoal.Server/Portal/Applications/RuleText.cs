using System.Text.Json;
using Shoal.Server.Rules;

namespace Shoal.Server.Portal.Applications;

/// <summary>A rule's conditions and actions in words, and the choices the rule form offers.</summary>
internal static class RuleText
{
    public static readonly IReadOnlyList<(string Operator, string Words)> Operators =
    [
        (">", "is greater than"), (">=", "is at least"), ("<", "is less than"), ("<=", "is at most"), ("==", "equals"), ("!=", "differs from"),
    ];

    /// <summary>What each placeholder of a template becomes when the rule fires.</summary>
    public static readonly IReadOnlyList<(string Placeholder, string Meaning)> Placeholders =
    [
        ("{ruleName}", "the rule's name"), ("{deviceId}", "the device's ID"), ("{deviceName}", "the device's name (or node ID)"),
        ("{nodeId}", "the device's node ID (IMEI, MAC…)"), ("{serviceId}", "the service of the value, e.g. Temperature"),
        ("{property}", "the property, e.g. temperature"), ("{value}", "the value that fired the rule, or the new status"),
        ("{status}", "ONLINE or OFFLINE"), ("{time}", "when it happened (UTC)"),
    ];

    public static string Conditions(RuleResponse rule, IReadOnlyDictionary<string, string> deviceNames)
    {
        ArgumentNullException.ThrowIfNull(rule);
        return string.Join(rule.Logic == "or" ? " OR " : " AND ", rule.Conditions.Select(c => Condition(c, deviceNames)));
    }

    public static string Actions(RuleResponse rule)
    {
        ArgumentNullException.ThrowIfNull(rule);
        return string.Join("; ", rule.Actions.Select(a => a.Type switch
        {
            "EMAIL" => $"e-mail to {string.Join(", ", a.Recipients ?? [])}",
            "SMS" => $"SMS to {string.Join(", ", a.Numbers ?? [])}",
            _ => "ruleEvent push",
        }));
    }

    private static string Condition(RuleConditionBody condition, IReadOnlyDictionary<string, string> deviceNames)
    {
        var device = condition.DeviceInfo?.DeviceId is { } id ? $"device {DeviceNames.Label(id, deviceNames)}" : "any device";
        if (condition.Type == "DEVICE_STATUS")
        {
            return $"{device} goes {condition.Status}";
        }
        var words = Operators.FirstOrDefault(o => o.Operator == condition.Operator).Words ?? condition.Operator;
        var value = condition.Value is { ValueKind: JsonValueKind.String } text ? $"“{text.GetString()}”" : condition.Value?.GetRawText();
        return $"{condition.DeviceInfo?.Path} of {device} {words} {value}";
    }
}
