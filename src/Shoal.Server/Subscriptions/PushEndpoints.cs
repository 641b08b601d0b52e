using Microsoft.AspNetCore.Http.HttpResults;
using Shoal.Delivery;
using Shoal.Server.Audit;
using Shoal.Server.Common;
using Shoal.Storage.Entities;

namespace Shoal.Server.Subscriptions;

public sealed record SubscriptionHealthResponse(
    string Id, string NotifyType, string CallbackUrl, string SubscriberApplicationId, SubscriptionState State, bool Valid,
    DateTimeOffset? LastSuccessAt, DateTimeOffset? LastFailureAt, string? LastError, int ConsecutiveFailures,
    DateTimeOffset? NextProbeAt, int Backlog, DateTimeOffset CreatedAt);

public sealed record PushOverviewResponse(
    IReadOnlyList<SubscriptionHealthResponse> Subscriptions, int Backlog, int BacklogCap, BacklogFullAction BacklogFull);

public sealed record PushAttemptResponse(long Id, long DeliveryId, string? SubscriptionId, DateTimeOffset At, int? Status, int LatencyMilliseconds, string? Error);

public sealed record DeadLetterResponse(
    long Id, string WebhookId, string? SubscriptionId, string NotifyType, DateTimeOffset CreatedAt, DateTimeOffset? DeadLetteredAt,
    int Attempts, string? LastError, string Body);

public sealed record PageResponse<T>(IReadOnlyList<T> Items, int Page, int PageSize, int TotalCount);

public sealed record ReplayResponse(int Replayed);

public sealed record SigningSecretResponse(string Secret);

public sealed record SubscribeRequest(string? NotifyType, string? CallbackUrl);

/// <summary>What the receiver answered a sample push: its HTTP status, or why no answer came.</summary>
public sealed record PushTestResponse(bool Succeeded, int? Status, long LatencyMilliseconds, string? Error);

internal static class PushEndpoints
{
    public static IEndpointRouteBuilder MapPush(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/applications/{id}/push").WithTags("Push");
        group.MapGet("/", Overview).WithName("GetPushOverview").WithSummary("Each subscription's health and the application's push backlog.");
        group.MapGet("/attempts", Attempts).WithName("ListPushAttempts").WithSummary("The delivery log: every push request, newest first.");
        group.MapGet("/dead-letters", DeadLetters).WithName("ListDeadLetters").WithSummary("Pushes that were given up, newest first.");
        group.MapPost("/dead-letters/replay", ReplayAll).WithName("ReplayDeadLetters").WithSummary("Tries every dead letter again.");
        group.MapPost("/dead-letters/{deliveryId:long}/replay", Replay).WithName("ReplayDeadLetter").WithSummary("Tries one dead letter again.");
        group.MapPost("/subscriptions", Subscribe).WithName("Subscribe")
            .WithSummary("Subscribes the application's own NA to a notification type, as the northbound subscribe call does.");
        group.MapDelete("/subscriptions/{subscriptionId}", Unsubscribe).WithName("Unsubscribe").WithSummary("Deletes a subscription.");
        group.MapPost("/subscriptions/{subscriptionId}/test", Test).WithName("TestSubscription")
            .WithSummary("Sends the subscription's receiver one signed sample push, stored nowhere, and tells what it answered.");
        group.MapPost("/signing-secret", RotateSigningSecret).WithName("RotateSigningSecret")
            .WithSummary("Issues a new push signing secret, shown once; the previous one keeps signing for the overlap.");
        return routes;
    }

    private static async Task<Results<Ok<PushOverviewResponse>, ProblemHttpResult>> Overview(
        HttpContext http, DeliveryLog log, string id, CancellationToken cancellationToken)
    {
        var outcome = await log.OverviewAsync(Actor.From(http).RequiredId, id, cancellationToken);
        if (!outcome.Succeeded)
        {
            return outcome.Failure!.ToProblem();
        }
        var overview = outcome.Value!;
        return TypedResults.Ok(new PushOverviewResponse(
            [.. overview.Subscriptions.Select(h => h.ToResponse())], overview.Backlog, overview.BacklogCap, overview.BacklogFull));
    }

    private static async Task<Results<Ok<PageResponse<PushAttemptResponse>>, ProblemHttpResult>> Attempts(
        HttpContext http, DeliveryLog log, string id, string? subscriptionId, int? page, int? pageSize, CancellationToken cancellationToken)
    {
        var outcome = await log.AttemptsAsync(Actor.From(http).RequiredId, id, subscriptionId, page, pageSize, cancellationToken);
        return outcome.Succeeded
            ? TypedResults.Ok(outcome.Value!.ToResponse(a => new PushAttemptResponse(a.Id, a.DeliveryId, a.SubscriptionId, a.At, a.Status, a.LatencyMilliseconds, a.Error)))
            : outcome.Failure!.ToProblem();
    }

    private static async Task<Results<Ok<PageResponse<DeadLetterResponse>>, ProblemHttpResult>> DeadLetters(
        HttpContext http, DeliveryLog log, string id, int? page, int? pageSize, CancellationToken cancellationToken)
    {
        var outcome = await log.DeadLettersAsync(Actor.From(http).RequiredId, id, page, pageSize, cancellationToken);
        return outcome.Succeeded
            ? TypedResults.Ok(outcome.Value!.ToResponse(d => new DeadLetterResponse(
                d.Id, d.WebhookId, d.SubscriptionId, d.NotifyType, d.CreatedAt, d.FinishedAt, d.Attempts, d.LastError, d.Body)))
            : outcome.Failure!.ToProblem();
    }

    private static Task<Results<Ok<ReplayResponse>, ProblemHttpResult>> ReplayAll(
        HttpContext http, DeliveryLog log, string id, CancellationToken cancellationToken) =>
        ReplayAsync(http, log, id, null, cancellationToken);

    private static Task<Results<Ok<ReplayResponse>, ProblemHttpResult>> Replay(
        HttpContext http, DeliveryLog log, string id, long deliveryId, CancellationToken cancellationToken) =>
        ReplayAsync(http, log, id, deliveryId, cancellationToken);

    private static async Task<Results<Ok<ReplayResponse>, ProblemHttpResult>> ReplayAsync(
        HttpContext http, DeliveryLog log, string id, long? deliveryId, CancellationToken cancellationToken)
    {
        var outcome = await log.ReplayAsync(Actor.From(http), id, deliveryId, cancellationToken);
        return outcome.Succeeded ? TypedResults.Ok(new ReplayResponse(outcome.Value)) : outcome.Failure!.ToProblem();
    }

    private static async Task<Results<Ok<SigningSecretResponse>, ProblemHttpResult>> RotateSigningSecret(
        HttpContext http, DeliveryLog log, string id, CancellationToken cancellationToken)
    {
        var outcome = await log.RotateSigningSecretAsync(Actor.From(http), id, cancellationToken);
        if (!outcome.Succeeded)
        {
            return outcome.Failure!.ToProblem();
        }
        http.Response.Headers.CacheControl = "no-store";
        return TypedResults.Ok(new SigningSecretResponse(outcome.Value!));
    }

    private static async Task<Results<Created<SubscriptionHealthResponse>, ProblemHttpResult>> Subscribe(
        HttpContext http, DeliveryLog log, string id, SubscribeRequest request, CancellationToken cancellationToken)
    {
        var outcome = await log.SubscribeAsync(Actor.From(http), id, request.NotifyType, request.CallbackUrl, cancellationToken);
        return outcome.Succeeded
            ? TypedResults.Created($"/api/v1/applications/{id}/push", new SubscriptionHealth(outcome.Value!, 0).ToResponse())
            : outcome.Failure!.ToProblem();
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> Unsubscribe(
        HttpContext http, DeliveryLog log, string id, string subscriptionId, CancellationToken cancellationToken)
    {
        var outcome = await log.UnsubscribeAsync(Actor.From(http), id, subscriptionId, cancellationToken);
        return outcome.Succeeded ? TypedResults.NoContent() : outcome.Failure!.ToProblem();
    }

    private static async Task<Results<Ok<PushTestResponse>, ProblemHttpResult>> Test(
        HttpContext http, DeliveryLog log, string id, string subscriptionId, CancellationToken cancellationToken)
    {
        var outcome = await log.TestAsync(Actor.From(http).RequiredId, id, subscriptionId, cancellationToken);
        if (!outcome.Succeeded)
        {
            return outcome.Failure!.ToProblem();
        }
        var result = outcome.Value!;
        return TypedResults.Ok(new PushTestResponse(result.Succeeded, result.Status, (long)result.Latency.TotalMilliseconds, result.Error));
    }

    private static SubscriptionHealthResponse ToResponse(this SubscriptionHealth health)
    {
        var s = health.Subscription;
        return new SubscriptionHealthResponse(
            s.Id, s.NotifyType, s.CallbackUrl, s.SubscriberId, s.State, s.State == SubscriptionState.Active,
            s.LastSuccessAt, s.LastFailureAt, s.LastError, s.ConsecutiveFailures, s.NextProbeAt, health.Backlog, s.CreatedAt);
    }

    private static PageResponse<TOut> ToResponse<TIn, TOut>(this Paged<TIn> page, Func<TIn, TOut> map) =>
        new([.. page.Items.Select(map)], page.Page, page.PageSize, page.TotalCount);
}
