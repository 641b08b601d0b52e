namespace Shoal.Storage.Entities;

/// <summary>
/// An operator's trace of some devices of one application, allowed by the application's tracing authorization.
/// Sessions are kept forever, so the owner sees every trace ever started; their records expire.
/// </summary>
public sealed class TraceSession
{
    public required string Id { get; set; }
    public required string ApplicationId { get; set; }
    public Guid OperatorUserId { get; set; }
    /// <summary>The operator's e-mail when the trace started, for the owner's list even if the account goes.</summary>
    public required string OperatorName { get; set; }
    public List<string> DeviceIds { get; set; } = [];
    public DateTimeOffset StartedAt { get; set; }
    public DateTimeOffset EndsAt { get; set; }
    /// <summary>Set when the trace stopped before <see cref="EndsAt"/>.</summary>
    public DateTimeOffset? StoppedAt { get; set; }
    public TraceStopReason? StopReason { get; set; }
}

public enum TraceStopReason
{
    StoppedByOperator,
    /// <summary>The application turned its tracing authorization off, or its Custom validity ended.</summary>
    AuthorizationWithdrawn,
}

/// <summary>One step of one traced message; <see cref="Serial"/> ties the steps of one flow together.</summary>
public sealed class TraceRecord
{
    public long Id { get; set; }
    public required string SessionId { get; set; }
    public required string DeviceId { get; set; }
    public required string Serial { get; set; }
    public TraceStep Step { get; set; }
    public bool Succeeded { get; set; }
    public required string Detail { get; set; }
    /// <summary>Why the step failed, in plain words.</summary>
    public string? Reason { get; set; }
    /// <summary>What to check when it failed.</summary>
    public string? Hint { get; set; }
    public string? Topic { get; set; }
    public int? Size { get; set; }
    public string? Url { get; set; }
    public int? StatusCode { get; set; }
    public int? LatencyMs { get; set; }
    public DateTimeOffset RecordedAt { get; set; }
}

public enum TraceStep
{
    Connect,
    Authenticate,
    DataUp,
    Storage,
    Push,
    CommandDown,
    CommandResponse,
    MessageDown,
    Disconnect,
    RuleFired,
}
