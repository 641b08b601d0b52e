using System.Text.Json;

namespace Shoal.Server.Rules;

/// <summary>
/// A rule as both APIs read and write it. <c>ruleId</c> is read only by the northbound update call, which carries it
/// in the body; <c>quietPeriod</c> is in seconds.
/// </summary>
public sealed record RuleRequest(
    string? RuleId,
    string? Name,
    string? Description,
    string? Author,
    string? Status,
    string? Logic,
    IReadOnlyList<RuleConditionBody>? Conditions,
    RuleTimeRange? TimeRange,
    IReadOnlyList<RuleActionBody>? Actions,
    int? QuietPeriod);

/// <summary>
/// <c>DEVICE_DATA</c>: <c>deviceInfo.path</c> (<c>serviceId/property</c>) compared with <c>value</c> by <c>operator</c>;
/// <c>DEVICE_STATUS</c>: the device goes <c>OFFLINE</c> or comes <c>ONLINE</c>. Without <c>deviceInfo.deviceId</c>,
/// the condition is about every device of the application.
/// </summary>
public sealed record RuleConditionBody(string? Type, RuleDeviceInfo? DeviceInfo, string? Operator, JsonElement? Value, string? Status);

public sealed record RuleDeviceInfo(string? DeviceId, string? Path);

/// <summary>The daily window, <c>HH:mm</c> UTC, in which the rule fires; it may wrap past midnight.</summary>
public sealed record RuleTimeRange(string? StartTime, string? EndTime);

/// <summary>
/// <c>EMAIL</c> with <c>recipients</c>, <c>subject</c> and <c>content</c>; <c>SMS</c> with <c>numbers</c> and
/// <c>content</c>; <c>RULE_EVENT</c>, a ruleEvent push to the application's subscriber.
/// </summary>
public sealed record RuleActionBody(string? Type, IReadOnlyList<string>? Recipients, IReadOnlyList<string>? Numbers, string? Subject, string? Content);

public sealed record RuleResponse(
    string RuleId,
    string AppKey,
    string Name,
    string? Description,
    string? Author,
    string Status,
    string Logic,
    IReadOnlyList<RuleConditionBody> Conditions,
    RuleTimeRange? TimeRange,
    IReadOnlyList<RuleActionBody> Actions,
    int QuietPeriod,
    DateTimeOffset CreateTime,
    DateTimeOffset LastModifiedTime,
    DateTimeOffset? LastFiredTime,
    DateTimeOffset? LastSentTime,
    int Failures,
    string? LastError,
    int DeadMessages,
    IReadOnlyList<string> Warnings);

/// <summary>An e-mail or SMS of a rule that was given up after its last attempt; replaying it starts its attempts afresh.</summary>
public sealed record DeadRuleMessageResponse(
    long Id, string Channel, IReadOnlyList<string> Recipients, string? Subject, string Body, int Attempts, string? LastError,
    DateTimeOffset CreatedAt, DateTimeOffset? DeadLetteredAt);

public sealed record RuleReplayResponse(int Replayed);

public sealed record RuleStatusRequest(string? Status);
