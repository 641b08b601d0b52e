using System.Text.Json;

namespace Shoal.Storage.Entities;

/// <summary>
/// A rule of an application: when its conditions hold for a device, its actions (e-mail, SMS, a ruleEvent push) are sent,
/// at most once per <see cref="QuietPeriod"/> for the same device.
/// </summary>
public sealed class Rule
{
    public required string Id { get; set; }
    public required string ApplicationId { get; set; }
    /// <summary>The application whose NA made the rule through a grant; null when the rule's own application made it.</summary>
    public string? CreatorId { get; set; }
    public required string Name { get; set; }
    public string? Description { get; set; }
    public string? Author { get; set; }
    public RuleStatus Status { get; set; }
    public RuleLogic Logic { get; set; }
    /// <summary>The conditions as JSON: a list of <see cref="RuleCondition"/>.</summary>
    public required string Conditions { get; set; }
    /// <summary>The actions as JSON: a list of <see cref="RuleAction"/>.</summary>
    public required string Actions { get; set; }
    /// <summary>With <see cref="ActiveUntil"/>, the daily window (UTC) in which the rule fires; null means all day.</summary>
    public TimeOnly? ActiveFrom { get; set; }
    public TimeOnly? ActiveUntil { get; set; }
    public int QuietPeriodSeconds { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }

    public DateTimeOffset? LastFiredAt { get; set; }
    public DateTimeOffset? LastSentAt { get; set; }
    public int Failures { get; set; }
    public string? LastError { get; set; }

    public TimeSpan QuietPeriod => TimeSpan.FromSeconds(QuietPeriodSeconds);

    public IReadOnlyList<RuleCondition> ReadConditions() => JsonSerializer.Deserialize<RuleCondition[]>(Conditions, RuleJson.Options) ?? [];

    public IReadOnlyList<RuleAction> ReadActions() => JsonSerializer.Deserialize<RuleAction[]>(Actions, RuleJson.Options) ?? [];
}

public enum RuleStatus
{
    Active,
    Inactive,
}

public enum RuleLogic
{
    And,
    Or,
}

public enum RuleConditionType
{
    DeviceData,
    DeviceStatus,
}

public enum RuleActionType
{
    Email,
    Sms,
    RuleEvent,
}

/// <summary>
/// One condition. <see cref="DeviceId"/> null means every device of the application. Data conditions compare
/// <c>ServiceId/Property</c> with <see cref="Value"/>, a number when <see cref="Numeric"/>; status conditions match
/// a device going to <see cref="DeviceStatus"/> (ONLINE or OFFLINE).
/// </summary>
public sealed record RuleCondition(
    RuleConditionType Type, string? DeviceId, string? ServiceId, string? Property, string? Operator, string? Value, bool Numeric, string? DeviceStatus)
{
    /// <summary><see cref="Value"/> as a number, parsed once rather than at every evaluation; null when not <see cref="Numeric"/>.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public decimal? Threshold { get; } =
        Numeric && decimal.TryParse(Value, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var threshold)
            ? threshold
            : null;
}

/// <summary>One action: an e-mail to <see cref="Recipients"/> (addresses), an SMS to them (numbers), or a ruleEvent push.</summary>
public sealed record RuleAction(RuleActionType Type, IReadOnlyList<string> Recipients, string? Subject, string? Content);

public static class RuleJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter() },
    };

    public static string Write<T>(T value) => JsonSerializer.Serialize(value, Options);
}
