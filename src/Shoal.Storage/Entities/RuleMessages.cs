namespace Shoal.Storage.Entities;

/// <summary>
/// One e-mail or SMS of a fired rule, or a platform mail to an application's owner: the outbox row. Written in the
/// transaction that fired the rule (or did what the mail tells about), claimed by one worker at a time, retried until
/// sent or dead-lettered.
/// </summary>
public sealed class RuleMessage
{
    public long Id { get; set; }
    /// <summary>The rule that fired; null for a platform mail.</summary>
    public string? RuleId { get; set; }
    public required string ApplicationId { get; set; }
    public RuleActionType Channel { get; set; }
    /// <summary>Addresses or phone numbers, comma-separated.</summary>
    public required string Recipients { get; set; }
    public string? Subject { get; set; }
    public required string Body { get; set; }
    /// <summary>The body is encrypted because it carries a one-time link; the sender decrypts it.</summary>
    public bool SealedBody { get; set; }
    public DateTimeOffset CreatedAt { get; set; }

    public RuleMessageState State { get; set; }
    public int Attempts { get; set; }
    public DateTimeOffset NextAttemptAt { get; set; }
    public Guid? ClaimToken { get; set; }
    public DateTimeOffset? ClaimedUntil { get; set; }
    public DateTimeOffset? FinishedAt { get; set; }
    public string? LastError { get; set; }
}

public enum RuleMessageState
{
    Pending,
    Sent,
    DeadLettered,
}

/// <summary>When a rule last fired for a device: the start of its quiet period.</summary>
public sealed class RuleFiring
{
    public required string RuleId { get; set; }
    public required string DeviceId { get; set; }
    public DateTimeOffset FiredAt { get; set; }
}

/// <summary>How far into the device event log rules have been evaluated: one row.</summary>
public sealed class RuleCursor : IEventLogCursor
{
    public int Id { get; set; }
    public long LastEventId { get; set; }
}
