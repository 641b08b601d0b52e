using System.Text.Json;
using Shoal.Storage.Entities;

namespace Shoal.Server.Tracing;

public sealed record StartTraceRequest(string? ApplicationId, IReadOnlyList<string>? DeviceIds, int? DurationMinutes);

public sealed record TraceResponse(
    string Id, string ApplicationId, string ApplicationName, string Operator, IReadOnlyList<string> DeviceIds,
    DateTimeOffset StartedAt, DateTimeOffset EndsAt, DateTimeOffset? StoppedAt, string State, int RecordCount);

/// <summary>A trace's state as the API spells it.</summary>
internal static class TraceStates
{
    public const string Running = "running";
    public const string Ended = "ended";
    public const string Stopped = "stopped";
    public const string Withdrawn = "withdrawn";
}

public sealed record TraceStepResponse(
    long Id, string Serial, string DeviceId, string Step, bool Succeeded, DateTimeOffset RecordedAt, string Detail, string? Reason, string? Hint,
    string? Topic, int? Size, string? Url, int? StatusCode, int? LatencyMs);

public sealed record TraceFlowResponse(string Serial, string DeviceId, DateTimeOffset StartedAt, bool Succeeded, IReadOnlyList<TraceStepResponse> Steps);

/// <summary>
/// The filters of a trace's flows and its export: the device, a step kind the flow has, whether the flow succeeded
/// (every step did) or failed (one did not), and the time of its steps.
/// </summary>
internal sealed record TraceFilter(string? DeviceId, TraceStep? Step, bool? Succeeded, DateTimeOffset? From, DateTimeOffset? To);

internal static class TraceMapping
{
    public static TraceStepResponse ToResponse(this TraceRecord r) =>
        new(r.Id, r.Serial, r.DeviceId, Name(r.Step), r.Succeeded, r.RecordedAt, r.Detail, r.Reason, r.Hint, r.Topic, r.Size, r.Url, r.StatusCode, r.LatencyMs);

    /// <summary>The step's name in camelCase, as the API spells it: <c>dataUp</c>.</summary>
    public static string Name(TraceStep step) => JsonNamingPolicy.CamelCase.ConvertName(step.ToString());
}
