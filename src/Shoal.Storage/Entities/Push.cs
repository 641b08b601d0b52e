namespace Shoal.Storage.Entities;

/// <summary>An NA's request to be told about one notification type of an application, at a callback URL.</summary>
public sealed class Subscription
{
    public required string Id { get; set; }
    /// <summary>The application whose events are pushed.</summary>
    public required string ApplicationId { get; set; }
    /// <summary>The application whose NA subscribed: the same one, or one that was granted access.</summary>
    public required string SubscriberId { get; set; }
    public required string NotifyType { get; set; }
    public required string CallbackUrl { get; set; }
    public DateTimeOffset CreatedAt { get; set; }

    public SubscriptionState State { get; set; }
    public int ConsecutiveFailures { get; set; }
    public DateTimeOffset? LastSuccessAt { get; set; }
    public DateTimeOffset? LastFailureAt { get; set; }
    public string? LastError { get; set; }
    /// <summary>When an invalid callback URL is tried again with one waiting push.</summary>
    public DateTimeOffset? NextProbeAt { get; set; }
}

public enum SubscriptionState
{
    Active,
    /// <summary>Too many consecutive failures: pushes wait while the URL is probed.</summary>
    Invalid,
    /// <summary>The receiver answered 410 Gone: nothing more is pushed.</summary>
    Disabled,
}

/// <summary>
/// One push to one subscription, or to a command's own callback URL: the outbox row. Made from the device event log, claimed by one worker at a time
/// (<see cref="ClaimToken"/> until <see cref="ClaimedUntil"/>), retried until delivered or dead-lettered.
/// </summary>
public sealed class PushDelivery
{
    public long Id { get; set; }
    /// <summary>The <c>webhook-id</c>: the same on every attempt, so a receiver can drop duplicates.</summary>
    public required string WebhookId { get; set; }
    /// <summary>Null for a push to a command's callback URL, which belongs to no subscription.</summary>
    public string? SubscriptionId { get; set; }
    /// <summary>Where a push without a subscription goes.</summary>
    public string? CallbackUrl { get; set; }
    public required string ApplicationId { get; set; }
    /// <summary>
    /// The application whose NA receives the push when it is not <see cref="ApplicationId"/>: one that reached these
    /// devices through a grant, which is checked again before every attempt.
    /// </summary>
    public string? RecipientId { get; set; }
    public required string NotifyType { get; set; }
    public required string Body { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    /// <summary>
    /// The device the push is about. Pushes about one device to one destination leave in <see cref="Id"/> order: each
    /// waits until the one before it was delivered or dead-lettered.
    /// </summary>
    public string DeviceId { get; set; } = "";
    /// <summary>The ID of the device event the push was made from: it grows with each event of a device.</summary>
    public long? Sequence { get; set; }

    public PushDeliveryState State { get; set; }
    public int Attempts { get; set; }
    public DateTimeOffset NextAttemptAt { get; set; }
    public Guid? ClaimToken { get; set; }
    public DateTimeOffset? ClaimedUntil { get; set; }
    public DateTimeOffset? FinishedAt { get; set; }
    public string? LastError { get; set; }
}

public enum PushDeliveryState
{
    Pending,
    Delivered,
    DeadLettered,
}

/// <summary>One HTTP request of a delivery, for the owner's delivery log.</summary>
public sealed class PushAttempt
{
    public long Id { get; set; }
    public long DeliveryId { get; set; }
    public string? SubscriptionId { get; set; }
    public DateTimeOffset At { get; set; }
    /// <summary>The HTTP status, or null when no response came (refused address, TLS failure, timeout).</summary>
    public int? Status { get; set; }
    public int LatencyMilliseconds { get; set; }
    public string? Error { get; set; }
}

/// <summary>How far into the device event log pushes have been made: one row.</summary>
public sealed class PushCursor : IEventLogCursor
{
    public int Id { get; set; }
    public long LastEventId { get; set; }
}

/// <summary>A per-application key that signs pushes (Standard Webhooks); encrypted at rest. Two overlap during a rotation.</summary>
public sealed class PushSigningKey
{
    public Guid Id { get; set; }
    public required string ApplicationId { get; set; }
    public required string ProtectedSecret { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    /// <summary>Set when a newer key replaces this one: it still signs until then.</summary>
    public DateTimeOffset? RetiresAt { get; set; }
}
