using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;
using Shoal.Server.Applications;
using Shoal.Server.Audit;
using Shoal.Server.Common;
using Shoal.Storage.Entities;
using Shoal.Storage.Tracing;

namespace Shoal.Server.Tracing;

internal static class TraceEndpoints
{
    /// <summary>How often the live view looks at the consent and the trace's end when nothing was recorded.</summary>
    public static readonly TimeSpan LiveCheckInterval = TimeSpan.FromSeconds(1);

    public static IEndpointRouteBuilder MapTraces(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/operator/traces").WithTags("Tracing").RequireAuthorization(Roles.Operator);
        group.MapPost("/", Start).WithName("StartTrace")
            .WithSummary("Starts tracing devices of an application whose message tracing authorization is valid now.");
        group.MapGet("/", List).WithName("ListTraces").WithSummary("The traces the operator may read: those of applications that still consent.");
        group.MapGet("/{traceId}", Get).WithName("GetTrace").WithSummary("One trace: its devices, times, state and number of records.");
        group.MapPost("/{traceId}/stop", Stop).WithName("StopTrace").WithSummary("Stops a running trace.");
        group.MapGet("/{traceId}/flows", Flows).WithName("ListTraceFlows")
            .WithSummary("The trace's flows, newest first: the steps of one message each, filtered by device, step, status and time.");
        group.MapGet("/{traceId}/export", Export).WithName("ExportTrace")
            .WithSummary("The steps of the flows that match the filters, one row each, as a CSV or JSON attachment.");
        group.MapGet("/{traceId}/live", Live).WithName("FollowTrace")
            .WithSummary("Server-sent events: each step as it is recorded; ends when the trace ends or the consent is withdrawn.");
        routes.MapGet("/applications/{id}/traces", OwnerList).WithTags("Tracing").WithName("ListApplicationTraces")
            .WithSummary("Every trace ever started on the application: who, when, which devices, and its state.");
        return routes;
    }

    private static async Task<Results<Created<TraceResponse>, ProblemHttpResult>> Start(
        HttpContext http, TraceSessions sessions, StartTraceRequest request, CancellationToken cancellationToken)
    {
        var outcome = await sessions.StartAsync(Actor.From(http), request, cancellationToken);
        return outcome.Succeeded
            ? TypedResults.Created($"/api/v1/operator/traces/{outcome.Value!.Session.Id}", sessions.ToResponse(outcome.Value))
            : outcome.Failure!.ToProblem();
    }

    private static async Task<Ok<PageResponse<TraceResponse>>> List(
        TraceSessions sessions, string? applicationId, int? page, int? pageSize, CancellationToken cancellationToken) =>
        TypedResults.Ok((await sessions.ListAsync(applicationId, page, pageSize, cancellationToken)).ToResponse(sessions.ToResponse));

    private static async Task<Results<Ok<TraceResponse>, ProblemHttpResult>> Get(TraceSessions sessions, string traceId, CancellationToken cancellationToken)
    {
        var outcome = await sessions.AccessAsync(traceId, cancellationToken);
        return outcome.Succeeded ? TypedResults.Ok(sessions.ToResponse(outcome.Value!)) : outcome.Failure!.ToProblem();
    }

    private static async Task<Results<Ok<TraceResponse>, ProblemHttpResult>> Stop(
        HttpContext http, TraceSessions sessions, string traceId, CancellationToken cancellationToken)
    {
        var outcome = await sessions.StopAsync(Actor.From(http), traceId, cancellationToken);
        return outcome.Succeeded ? TypedResults.Ok(sessions.ToResponse(outcome.Value!)) : outcome.Failure!.ToProblem();
    }

    private static async Task<Results<Ok<PageResponse<TraceFlowResponse>>, ProblemHttpResult>> Flows(
        TraceSessions sessions, TraceFlows flows, string traceId, string? deviceId, string? step, string? status, DateTimeOffset? from, DateTimeOffset? to,
        int? page, int? pageSize, CancellationToken cancellationToken)
    {
        var filter = await AccessibleFilterAsync(sessions, traceId, deviceId, step, status, from, to, cancellationToken);
        if (!filter.Succeeded)
        {
            return filter.Failure!.ToProblem();
        }
        return TypedResults.Ok((await flows.PageAsync(traceId, filter.Value!, page, pageSize, cancellationToken)).ToResponse(f => f));
    }

    private static async Task<Results<PushStreamHttpResult, ProblemHttpResult>> Export(
        HttpContext http, TraceSessions sessions, TraceFlows flows, IOptions<JsonOptions> json, string traceId, string? format,
        string? deviceId, string? step, string? status, DateTimeOffset? from, DateTimeOffset? to, CancellationToken cancellationToken)
    {
        var filter = await AccessibleFilterAsync(sessions, traceId, deviceId, step, status, from, to, cancellationToken);
        if (!filter.Succeeded)
        {
            return filter.Failure!.ToProblem();
        }
        var steps = flows.StepsAsync(traceId, filter.Value!);
        var fileName = $"trace-{traceId}";
        switch (format?.ToUpperInvariant())
        {
            case null or "CSV":
                return TypedResults.Stream(stream => TraceExport.WriteCsvAsync(stream, steps, http.RequestAborted), "text/csv; charset=utf-8", fileName + ".csv");
            case "JSON":
                return TypedResults.Stream(stream => TraceExport.WriteJsonAsync(stream, steps, json.Value.SerializerOptions, http.RequestAborted),
                    "application/json", fileName + ".json");
            default:
                return new InvalidInput(FieldErrors.Of("format", "Choose csv or json.")).ToProblem();
        }
    }

    private static async Task<Results<EmptyHttpResult, ProblemHttpResult>> Live(
        HttpContext http, TraceSessions sessions, TraceFlows flows, TraceRecorder recorder, IOptions<JsonOptions> json, TimeProvider time, string traceId,
        long? after, CancellationToken cancellationToken)
    {
        var access = await sessions.AccessAsync(traceId, cancellationToken);
        if (!access.Succeeded)
        {
            return access.Failure!.ToProblem();
        }
        var lastSeen = after ?? (long.TryParse(http.Request.Headers["Last-Event-ID"], CultureInfo.InvariantCulture, out var id) ? id : 0);
        http.Response.ContentType = "text/event-stream";
        http.Response.Headers.CacheControl = "no-cache";
        // A comment line first: it carries the headers to the client at once, before any step is recorded.
        await http.Response.WriteAsync($": trace {traceId}\n\n", cancellationToken);
        await http.Response.Body.FlushAsync(cancellationToken);
        await foreach (var step in Follow(sessions, flows, recorder, time, traceId, lastSeen, cancellationToken))
        {
            var data = JsonSerializer.Serialize(step.ToResponse(), json.Value.SerializerOptions);
            await http.Response.WriteAsync($"id: {step.Id.ToString(CultureInfo.InvariantCulture)}\ndata: {data}\n\n", cancellationToken);
            await http.Response.Body.FlushAsync(cancellationToken);
        }
        return TypedResults.Empty;
    }

    /// <summary>Every step after <paramref name="lastSeen"/>, then each new one, until the trace ends or its consent is gone.</summary>
    private static async IAsyncEnumerable<TraceRecord> Follow(
        TraceSessions sessions, TraceFlows flows, TraceRecorder recorder, TimeProvider time, string traceId, long lastSeen,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            var changed = recorder.Changed;
            var access = await sessions.AccessAsync(traceId, cancellationToken);
            if (!access.Succeeded)
            {
                yield break;
            }
            var running = TraceSessions.State(access.Value!.Session, access.Value.Application, time.GetUtcNow()) == TraceStates.Running;
            var steps = await flows.AfterAsync(traceId, lastSeen, cancellationToken);
            foreach (var step in steps)
            {
                lastSeen = step.Id;
                yield return step;
            }
            if (steps.Count > 0)
            {
                continue;
            }
            if (!running)
            {
                yield break;
            }
            using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            await Task.WhenAny(changed, Task.Delay(LiveCheckInterval, time, wait.Token));
            await wait.CancelAsync();
        }
    }

    private static async Task<Results<Ok<PageResponse<TraceResponse>>, ProblemHttpResult>> OwnerList(
        HttpContext http, TraceSessions sessions, string id, int? page, int? pageSize, CancellationToken cancellationToken)
    {
        var traces = await sessions.OwnerListAsync(Actor.From(http).RequiredId, id, page, pageSize, cancellationToken);
        return traces is null ? new Missing("Application").ToProblem() : TypedResults.Ok(traces.ToResponse(sessions.ToResponse));
    }

    /// <summary>The filter of a flows or export request, once the trace is still readable.</summary>
    private static async Task<Outcome<TraceFilter>> AccessibleFilterAsync(
        TraceSessions sessions, string traceId, string? deviceId, string? step, string? status, DateTimeOffset? from, DateTimeOffset? to,
        CancellationToken cancellationToken)
    {
        var access = await sessions.AccessAsync(traceId, cancellationToken);
        return access.Succeeded ? Filter(deviceId, step, status, from, to) : access.Failure!;
    }

    private static Outcome<TraceFilter> Filter(string? deviceId, string? step, string? status, DateTimeOffset? from, DateTimeOffset? to)
    {
        var errors = new FieldErrors();
        TraceStep? stepKind = null;
        if (step is not null)
        {
            if (Enum.TryParse<TraceStep>(step, ignoreCase: true, out var parsed) && !step.All(char.IsAsciiDigit) && Enum.IsDefined(parsed))
            {
                stepKind = parsed;
            }
            else
            {
                errors.Add("step", $"Choose one of {string.Join(", ", Enum.GetValues<TraceStep>().Select(TraceMapping.Name))}.");
            }
        }
        bool? succeeded = status?.ToUpperInvariant() switch
        {
            null => null,
            "SUCCEEDED" => true,
            "FAILED" => false,
            _ => null,
        };
        if (status is not null && succeeded is null)
        {
            errors.Add("status", "Choose succeeded or failed.");
        }
        if (from > to)
        {
            errors.Add("to", "Choose an end after the start.");
        }
        return errors.Any ? new InvalidInput(errors) : new TraceFilter(deviceId, stepKind, succeeded, from, to);
    }
}
