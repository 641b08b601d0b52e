using System.Text.Json;
using Shoal.Server.Rules;

namespace Shoal.Server.Portal.Applications;

/// <summary>The rule form as posted: plain text fields that become the same <see cref="RuleRequest"/> the APIs take.</summary>
internal sealed class RuleInput
{
    public string? Name { get; set; }
    public string? Description { get; set; }
    public bool Active { get; set; } = true;
    public string Logic { get; set; } = "and";
    public List<ConditionInput> Conditions { get; set; } = [new()];
    public string? StartTime { get; set; }
    public string? EndTime { get; set; }
    public int? QuietPeriod { get; set; } = RuleValidation.DefaultQuietPeriodSeconds;
    public List<ActionInput> Actions { get; set; } = [new()];

    public RuleRequest ToRequest(string? author) => new(
        null, Name, Description, author, Active ? "active" : "inactive", Logic,
        [.. Conditions.Select(c => c.ToBody())],
        string.IsNullOrEmpty(StartTime) && string.IsNullOrEmpty(EndTime) ? null : new RuleTimeRange(StartTime, EndTime),
        [.. Actions.Select(a => a.ToBody())],
        QuietPeriod);

    public static RuleInput From(RuleResponse rule)
    {
        ArgumentNullException.ThrowIfNull(rule);
        return new RuleInput
        {
            Name = rule.Name,
            Description = rule.Description,
            Active = rule.Status == "active",
            Logic = rule.Logic,
            Conditions = [.. rule.Conditions.Select(ConditionInput.From)],
            StartTime = rule.TimeRange?.StartTime,
            EndTime = rule.TimeRange?.EndTime,
            QuietPeriod = rule.QuietPeriod,
            Actions = [.. rule.Actions.Select(ActionInput.From)],
        };
    }
}

/// <summary>One condition row: a data comparison or a status change, of one device or of all.</summary>
internal sealed class ConditionInput
{
    public string Type { get; set; } = "DEVICE_DATA";
    public string? DeviceId { get; set; }
    public string? Path { get; set; }
    public string Operator { get; set; } = ">";
    public string? Value { get; set; }
    public string Status { get; set; } = "OFFLINE";

    /// <summary>The value as the user typed it; the rule's validation decides whether it is a number.</summary>
    public RuleConditionBody ToBody() => Type == "DEVICE_STATUS"
        ? new RuleConditionBody(Type, new RuleDeviceInfo(Blank(DeviceId), null), null, null, Status)
        : new RuleConditionBody(
            Type, new RuleDeviceInfo(Blank(DeviceId), Path), Operator,
            string.IsNullOrWhiteSpace(Value) ? null : JsonSerializer.SerializeToElement(Value.Trim()), null);

    public static ConditionInput From(RuleConditionBody condition)
    {
        ArgumentNullException.ThrowIfNull(condition);
        return new ConditionInput
        {
            Type = condition.Type ?? "DEVICE_DATA",
            DeviceId = condition.DeviceInfo?.DeviceId,
            Path = condition.DeviceInfo?.Path,
            Operator = condition.Operator ?? ">",
            Value = condition.Value is { ValueKind: JsonValueKind.String } text ? text.GetString() : condition.Value?.GetRawText(),
            Status = condition.Status ?? "OFFLINE",
        };
    }

    private static string? Blank(string? text) => string.IsNullOrWhiteSpace(text) ? null : text;
}

/// <summary>
/// One action row: an e-mail, an SMS or a ruleEvent push. The e-mail and SMS fields are apart so that switching the kind
/// in the form keeps what was typed; recipients are separated by commas, semicolons or lines.
/// </summary>
internal sealed class ActionInput
{
    public string Type { get; set; } = "EMAIL";
    public string? Recipients { get; set; }
    public string? Subject { get; set; }
    public string? Content { get; set; }
    public string? Numbers { get; set; }
    public string? Text { get; set; }

    public RuleActionBody ToBody() => Type switch
    {
        "EMAIL" => new RuleActionBody(Type, List(Recipients), null, Subject, Content),
        "SMS" => new RuleActionBody(Type, null, List(Numbers), null, Text),
        _ => new RuleActionBody(Type, null, null, null, null),
    };

    public static ActionInput From(RuleActionBody action)
    {
        ArgumentNullException.ThrowIfNull(action);
        return action.Type == "SMS"
            ? new ActionInput { Type = "SMS", Numbers = string.Join(", ", action.Numbers ?? []), Text = action.Content }
            : new ActionInput { Type = action.Type ?? "EMAIL", Recipients = string.Join(", ", action.Recipients ?? []), Subject = action.Subject, Content = action.Content };
    }

    private static string[] List(string? text) =>
        (text ?? "").Split([',', ';', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
