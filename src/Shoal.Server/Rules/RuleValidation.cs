using System.Globalization;
using System.Net.Mail;
using System.Text.Json;
using System.Text.RegularExpressions;
using Shoal.Server.Common;
using Shoal.Storage.Entities;

namespace Shoal.Server.Rules;

/// <summary>Turns a rule as an API sent it into what is stored, naming every field that is wrong.</summary>
internal static partial class RuleValidation
{
    public const int MaxConditions = 10;
    public const int MaxActions = 10;
    public const int MaxRecipients = 20;
    public const int DefaultQuietPeriodSeconds = 300;
    public const int MaxQuietPeriodSeconds = 7 * 24 * 3600;

    /// <summary>What a subject, body or SMS text may name, each written between braces: <c>{deviceId}</c>.</summary>
    public static readonly IReadOnlyList<string> Placeholders =
        ["ruleName", "deviceId", "deviceName", "nodeId", "serviceId", "property", "value", "status", "time"];

    private static readonly string[] Operators = [">", ">=", "<", "<=", "==", "!="];

    public sealed record Parsed(
        string Name, string? Description, string? Author, RuleStatus Status, RuleLogic Logic,
        IReadOnlyList<RuleCondition> Conditions, IReadOnlyList<RuleAction> Actions, TimeOnly? ActiveFrom, TimeOnly? ActiveUntil, int QuietPeriodSeconds);

    public static Parsed? Parse(RuleRequest request, FieldErrors errors)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(errors);
        var name = request.Name?.Trim();
        if (string.IsNullOrEmpty(name))
        {
            errors.Add("name", "is required.");
        }
        else if (name.Length > 128)
        {
            errors.Add("name", "must be at most 128 characters.");
        }
        if (request.Description?.Length > 1024)
        {
            errors.Add("description", "must be at most 1024 characters.");
        }
        if (request.Author?.Length > 128)
        {
            errors.Add("author", "must be at most 128 characters.");
        }
        var status = ParseStatus(request.Status ?? "active", errors);
        var logic = (request.Logic ?? "and").ToUpperInvariant() switch
        {
            "AND" => RuleLogic.And,
            "OR" => RuleLogic.Or,
            _ => Invalid(errors, "logic", "must be 'and' or 'or'.", RuleLogic.And),
        };
        var conditions = ParseConditions(request.Conditions, errors);
        var actions = ParseActions(request.Actions, errors);
        var (from, until) = ParseTimeRange(request.TimeRange, errors);
        var quiet = request.QuietPeriod ?? DefaultQuietPeriodSeconds;
        if (quiet is < 0 or > MaxQuietPeriodSeconds)
        {
            errors.Add("quietPeriod", $"must be from 0 to {MaxQuietPeriodSeconds} seconds.");
        }
        return errors.Any ? null : new Parsed(name!, request.Description, request.Author, status, logic, conditions, actions, from, until, quiet);
    }

    public static RuleStatus ParseStatus(string? status, FieldErrors errors) => status?.ToUpperInvariant() switch
    {
        "ACTIVE" => RuleStatus.Active,
        "INACTIVE" => RuleStatus.Inactive,
        _ => Invalid(errors, "status", "must be 'active' or 'inactive'.", RuleStatus.Inactive),
    };

    private static List<RuleCondition> ParseConditions(IReadOnlyList<RuleConditionBody>? bodies, FieldErrors errors)
    {
        var conditions = new List<RuleCondition>();
        if (bodies is null || bodies.Count == 0)
        {
            errors.Add("conditions", "must hold at least one condition.");
            return conditions;
        }
        if (bodies.Count > MaxConditions)
        {
            errors.Add("conditions", $"may hold at most {MaxConditions} conditions.");
            return conditions;
        }
        for (var i = 0; i < bodies.Count; i++)
        {
            var field = $"conditions[{i}]";
            var body = bodies[i];
            var deviceId = string.IsNullOrWhiteSpace(body.DeviceInfo?.DeviceId) ? null : body.DeviceInfo.DeviceId.Trim();
            switch (body.Type?.ToUpperInvariant())
            {
                case "DEVICE_DATA":
                    if (ParseDataCondition(body, deviceId, field, errors) is { } data)
                    {
                        conditions.Add(data);
                    }
                    break;
                case "DEVICE_STATUS":
                    var deviceStatus = body.Status?.ToUpperInvariant();
                    if (deviceStatus is not ("ONLINE" or "OFFLINE"))
                    {
                        errors.Add($"{field}.status", "must be 'ONLINE' or 'OFFLINE'.");
                        break;
                    }
                    conditions.Add(new RuleCondition(RuleConditionType.DeviceStatus, deviceId, null, null, null, null, false, deviceStatus));
                    break;
                default:
                    errors.Add($"{field}.type", "must be 'DEVICE_DATA' or 'DEVICE_STATUS'.");
                    break;
            }
        }
        return conditions;
    }

    private static RuleCondition? ParseDataCondition(RuleConditionBody body, string? deviceId, string field, FieldErrors errors)
    {
        var path = body.DeviceInfo?.Path?.Trim() ?? "";
        var match = PropertyPath().Match(path);
        if (!match.Success)
        {
            errors.Add($"{field}.deviceInfo.path", "must be 'serviceId/property', e.g. 'Temperature/temperature'.");
        }
        if (body.Operator is null || !Operators.Contains(body.Operator))
        {
            errors.Add($"{field}.operator", $"must be one of {string.Join(" ", Operators)}.");
            return null;
        }
        var ordering = body.Operator is ">" or ">=" or "<" or "<=";
        string? value = null;
        var numeric = false;
        switch (body.Value)
        {
            case { ValueKind: JsonValueKind.Number } number when !number.TryGetDecimal(out _):
                errors.Add($"{field}.value", "must be a finite number between -7.9e28 and 7.9e28.");
                return null;
            case { ValueKind: JsonValueKind.Number } number:
                value = number.GetRawText();
                numeric = true;
                break;
            case { ValueKind: JsonValueKind.String } text:
                value = text.GetString()!;
                numeric = decimal.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out _);
                break;
            case { ValueKind: JsonValueKind.True or JsonValueKind.False } flag:
                value = flag.GetBoolean() ? "true" : "false";
                break;
            default:
                errors.Add($"{field}.value", "is required: a number, a text or true/false.");
                return null;
        }
        if (ordering && !numeric)
        {
            errors.Add($"{field}.value", $"must be a number for the operator '{body.Operator}'.");
            return null;
        }
        return match.Success
            ? new RuleCondition(RuleConditionType.DeviceData, deviceId, match.Groups[1].Value, match.Groups[2].Value, body.Operator, value, numeric, null)
            : null;
    }

    private static List<RuleAction> ParseActions(IReadOnlyList<RuleActionBody>? bodies, FieldErrors errors)
    {
        var actions = new List<RuleAction>();
        if (bodies is null || bodies.Count == 0)
        {
            errors.Add("actions", "must hold at least one action.");
            return actions;
        }
        if (bodies.Count > MaxActions)
        {
            errors.Add("actions", $"may hold at most {MaxActions} actions.");
            return actions;
        }
        for (var i = 0; i < bodies.Count; i++)
        {
            var field = $"actions[{i}]";
            var body = bodies[i];
            switch (body.Type?.ToUpperInvariant())
            {
                case "EMAIL":
                    var addresses = Recipients(body.Recipients, $"{field}.recipients", IsEmailAddress, "is not an e-mail address", errors);
                    CheckTemplate(body.Subject, $"{field}.subject", 256, errors);
                    CheckTemplate(body.Content, $"{field}.content", 8192, errors);
                    actions.Add(new RuleAction(RuleActionType.Email, addresses, body.Subject, body.Content));
                    break;
                case "SMS":
                    var numbers = Recipients(body.Numbers, $"{field}.numbers", n => PhoneNumber().IsMatch(n), "is not a phone number (+ and 7 to 15 digits)", errors);
                    CheckTemplate(body.Content, $"{field}.content", 640, errors);
                    actions.Add(new RuleAction(RuleActionType.Sms, numbers, null, body.Content));
                    break;
                case "RULE_EVENT":
                    actions.Add(new RuleAction(RuleActionType.RuleEvent, [], null, null));
                    break;
                default:
                    errors.Add($"{field}.type", "must be 'EMAIL', 'SMS' or 'RULE_EVENT'.");
                    break;
            }
        }
        return actions;
    }

    private static List<string> Recipients(IReadOnlyList<string>? given, string field, Func<string, bool> valid, string invalid, FieldErrors errors)
    {
        var recipients = (given ?? []).Select(r => r?.Trim() ?? "").ToList();
        if (recipients.Count == 0)
        {
            errors.Add(field, "must hold at least one recipient.");
        }
        else if (recipients.Count > MaxRecipients)
        {
            errors.Add(field, $"may hold at most {MaxRecipients} recipients.");
        }
        foreach (var recipient in recipients.Where(r => !valid(r)))
        {
            errors.Add(field, $"'{recipient}' {invalid}.");
        }
        return recipients;
    }

    private static bool IsEmailAddress(string text) =>
        text.Length <= 254 && MailAddress.TryCreate(text, out var address) && address.Address == text && address.Host.Contains('.', StringComparison.Ordinal);

    private static void CheckTemplate(string? template, string field, int maxLength, FieldErrors errors)
    {
        if (string.IsNullOrWhiteSpace(template))
        {
            errors.Add(field, "is required.");
            return;
        }
        if (template.Length > maxLength)
        {
            errors.Add(field, $"must be at most {maxLength} characters.");
        }
        foreach (var unknown in Placeholder().Matches(template).Select(m => m.Groups[1].Value).Where(p => !Placeholders.Contains(p)).Distinct())
        {
            errors.Add(field, $"'{{{unknown}}}' is not a known placeholder; use {string.Join(", ", Placeholders.Select(p => $"{{{p}}}"))}.");
        }
    }

    private static (TimeOnly? From, TimeOnly? Until) ParseTimeRange(RuleTimeRange? range, FieldErrors errors)
    {
        if (range is null || (string.IsNullOrEmpty(range.StartTime) && string.IsNullOrEmpty(range.EndTime)))
        {
            return (null, null);
        }
        TimeOnly? Read(string? text, string field)
        {
            if (TimeOnly.TryParseExact(text, "HH:mm", CultureInfo.InvariantCulture, DateTimeStyles.None, out var time))
            {
                return time;
            }
            errors.Add(field, "must be a time of day as HH:mm (UTC).");
            return null;
        }
        var from = Read(range.StartTime, "timeRange.startTime");
        var until = Read(range.EndTime, "timeRange.endTime");
        if (from is not null && from == until)
        {
            errors.Add("timeRange", "must not start and end at the same time; leave it out for all day.");
        }
        return (from, until);
    }

    private static T Invalid<T>(FieldErrors errors, string field, string message, T fallback)
    {
        errors.Add(field, message);
        return fallback;
    }

    [GeneratedRegex(@"^([A-Za-z0-9_\-]{1,64})/([A-Za-z0-9_\-.]{1,64})$")]
    private static partial Regex PropertyPath();

    [GeneratedRegex(@"^\+?[1-9][0-9]{6,14}$")]
    private static partial Regex PhoneNumber();

    [GeneratedRegex(@"\{([^{}]*)\}")]
    private static partial Regex Placeholder();
}
