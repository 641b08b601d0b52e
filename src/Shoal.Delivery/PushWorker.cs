using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Shoal.Storage;
using Shoal.Storage.Entities;
using Shoal.Storage.Tracing;

namespace Shoal.Delivery;

/// <summary>
/// Pushes to NAs: makes deliveries from new device events, claims the due ones (so that no other node sends the same
/// attempt), sends them side by side and records each outcome: delivered, retried later, or dead-lettered.
/// </summary>
internal sealed partial class PushWorker(
    IServiceScopeFactory scopes, PushSender sender, PushSigning signing, CommissioningCa commissioningCa, IOptions<DeliveryOptions> options,
    TraceRecorder recorder, TimeProvider time, ILogger<PushWorker> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Polling paces the loop in real time; every decision about when a push is due uses the injected TimeProvider.
        using var timer = new PeriodicTimer(options.Value.PollInterval);
        try
        {
            do
            {
                try
                {
                    while (await RunOnceAsync(stoppingToken) > 0)
                    {
                    }
                }
                catch (Exception error) when (error is not OperationCanceledException)
                {
                    LogRoundFailed(logger, error);
                }
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>One round: new events into deliveries, then one batch of due deliveries sent. Returns how much it did.</summary>
    public async Task<int> RunOnceAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ShoalDb>();
        var events = await new PushFanOut(db, options, recorder, time, logger).RunOnceAsync(cancellationToken);
        db.ChangeTracker.Clear();
        var claim = Guid.NewGuid();
        var claimed = await ClaimAsync(db, claim, cancellationToken);
        if (claimed.Count > 0)
        {
            await SendAsync(db, claim, claimed, cancellationToken);
        }
        return events + claimed.Count;
    }

    private async Task<List<PushDelivery>> ClaimAsync(ShoalDb db, Guid claim, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var unclaimed = db.PushDeliveries.Where(d =>
            d.State == PushDeliveryState.Pending && (d.ClaimedUntil == null || d.ClaimedUntil < now));
        var due = unclaimed
            .Where(d => d.NextAttemptAt <= now
                && (d.SubscriptionId == null || db.Subscriptions.Any(s => s.Id == d.SubscriptionId && s.State == SubscriptionState.Active)))
            .OrderBy(d => d.Id)
            .Take(options.Value.BatchSize)
            .Select(d => d.Id);
        // An invalid callback URL gets one probe at a time, on the probe schedule: its oldest waiting push.
        var probes = db.Subscriptions
            .Where(s => s.State == SubscriptionState.Invalid && s.NextProbeAt <= now)
            .Select(s => db.PushDeliveries.Where(d => d.SubscriptionId == s.Id && d.State == PushDeliveryState.Pending).Min(d => (long?)d.Id))
            .Where(id => id != null)
            .Select(id => id!.Value);
        if (!await due.AnyAsync(cancellationToken) && !await probes.AnyAsync(cancellationToken))
        {
            // Most rounds find nothing due: they look without writing.
            return [];
        }
        var until = now + options.Value.ClaimLease;
        // The conditions are repeated outside the subquery: when two nodes race for a row, PostgreSQL rechecks them on
        // the row the winner wrote, and the loser skips it.
        await unclaimed.Where(d => due.Contains(d.Id) || probes.Contains(d.Id))
            .ExecuteUpdateAsync(u => u.SetProperty(d => d.ClaimToken, claim).SetProperty(d => d.ClaimedUntil, until), cancellationToken);
        return await db.PushDeliveries.Where(d => d.ClaimToken == claim).ToListAsync(cancellationToken);
    }

    private async Task SendAsync(ShoalDb db, Guid claim, List<PushDelivery> claimed, CancellationToken cancellationToken)
    {
        var subscriptionIds = claimed.Where(d => d.SubscriptionId != null).Select(d => d.SubscriptionId).Distinct().ToList();
        var subscriptions = await db.Subscriptions.Where(s => subscriptionIds.Contains(s.Id)).ToDictionaryAsync(s => s.Id, cancellationToken);
        // A subscription deleted since the claim took its deliveries with it.
        claimed.RemoveAll(d => d.SubscriptionId is { } id && !subscriptions.ContainsKey(id));
        Subscription? SubscriptionOf(PushDelivery delivery) => delivery.SubscriptionId is { } id ? subscriptions[id] : null;
        var applicationIds = claimed.Select(d => d.ApplicationId).Distinct().ToList();
        // A push for an NA that reached the devices through a grant goes only while the grant holds, checked at send time.
        var granted = await db.HoldingAsync(applicationIds, time.GetUtcNow(), cancellationToken);
        foreach (var lapsed in claimed.Where(d => !granted.Allows(d.ApplicationId, d.RecipientId)))
        {
            lapsed.ClaimToken = null;
            lapsed.ClaimedUntil = null;
            DeadLetter(lapsed, time.GetUtcNow(), $"The grant that let application {lapsed.RecipientId} receive this push was revoked or has expired.");
        }
        claimed.RemoveAll(d => d.State != PushDeliveryState.Pending);
        // The receiver is the recipient's: its push protocol, CA and signing secret apply.
        var recipientIds = claimed.Select(Recipient).Distinct().ToList();
        var applications = await db.Applications.AsNoTracking()
            .Where(a => applicationIds.Contains(a.Id) || recipientIds.Contains(a.Id))
            .Select(a => new { a.Id, a.PushProtocol, a.CaCertificatesPem, a.UseCommissioningCa, Pushing = a.PushService && a.FrozenAt == null })
            .ToDictionaryAsync(a => a.Id, cancellationToken);
        // An application that chose the commissioning CA trusts it beside any CA it uploaded.
        string? TrustedCas(string applicationId)
        {
            var application = applications[applicationId];
            return application.UseCommissioningCa ? commissioningCa.Pem + application.CaCertificatesPem : application.CaCertificatesPem;
        }
        var keys = new Dictionary<string, IReadOnlyList<byte[]>>();
        foreach (var id in recipientIds)
        {
            keys[id] = await signing.KeysAsync(db, id, cancellationToken);
        }

        var results = new PushResult?[claimed.Count];
        await Parallel.ForEachAsync(
            Enumerable.Range(0, claimed.Count),
            new ParallelOptions { MaxDegreeOfParallelism = options.Value.MaxConcurrentPushes, CancellationToken = cancellationToken },
            async (i, token) =>
            {
                var delivery = claimed[i];
                var recipient = applications[Recipient(delivery)];
                // Push service turned off or the application frozen since the push was made: it waits, unsent.
                results[i] = applications[delivery.ApplicationId].Pushing
                    ? await sender.SendAsync(new PushRequest(recipient.Id, recipient.PushProtocol, TrustedCas(recipient.Id),
                        delivery.CallbackUrl ?? SubscriptionOf(delivery)!.CallbackUrl, delivery.WebhookId, delivery.Body, keys[recipient.Id]), token)
                    : null;
            });

        var now = time.GetUtcNow();
        var retryWindow = await RetryWindowAsync(db, now, cancellationToken);
        for (var i = 0; i < claimed.Count; i++)
        {
            var delivery = claimed[i];
            delivery.ClaimToken = null;
            delivery.ClaimedUntil = null;
            if (results[i] is not { } result)
            {
                delivery.NextAttemptAt = now + options.Value.ProbeInterval;
                continue;
            }
            var subscription = SubscriptionOf(delivery);
            delivery.Attempts++;
            db.PushAttempts.Add(new PushAttempt
            {
                DeliveryId = delivery.Id,
                SubscriptionId = delivery.SubscriptionId,
                At = now,
                Status = result.Status,
                LatencyMilliseconds = (int)result.Latency.TotalMilliseconds,
                Error = Truncate(result.Error),
            });
            recorder.PushAttempted(delivery, delivery.CallbackUrl ?? subscription!.CallbackUrl, result);
            if (result.Succeeded)
            {
                Delivered(delivery, subscription, now);
            }
            else if (result.Status == StatusGone && subscription is not null)
            {
                await DisableAsync(db, subscription, now, cancellationToken);
                DeadLetter(delivery, now, "The receiver answered 410 Gone: the subscription is disabled.");
            }
            else if (result.Status == StatusGone)
            {
                DeadLetter(delivery, now, "The receiver answered 410 Gone.");
            }
            else
            {
                Failed(delivery, subscription, result, retryWindow, now);
            }
        }
        await db.SaveChangesAsync(cancellationToken);
        LogRound(logger, claimed.Count, claim);
    }

    private static string Recipient(PushDelivery delivery) => delivery.RecipientId ?? delivery.ApplicationId;

    private const int StatusGone = 410;

    private sealed record RememberedWindow(TimeSpan Window, DateTimeOffset ReadAt);

    private RememberedWindow? _retryWindow;

    /// <summary>The operator's retry window, read at most once per <see cref="DeliveryOptions.SettingsRefreshInterval"/>.</summary>
    private async Task<TimeSpan> RetryWindowAsync(ShoalDb db, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (_retryWindow is { } remembered && now - remembered.ReadAt < options.Value.SettingsRefreshInterval && now >= remembered.ReadAt)
        {
            return remembered.Window;
        }
        var minutes = await db.PlatformSettings.AsNoTracking().Select(s => (int?)s.PushRetryWindowMinutes).SingleOrDefaultAsync(cancellationToken)
            ?? PlatformSettings.DefaultPushRetryWindowMinutes;
        var window = TimeSpan.FromMinutes(minutes);
        _retryWindow = new RememberedWindow(window, now);
        return window;
    }

    /// <summary>Records a success, and on the subscription when there is one: a command's callback URL has no health to keep.</summary>
    private static void Delivered(PushDelivery delivery, Subscription? subscription, DateTimeOffset now)
    {
        delivery.State = PushDeliveryState.Delivered;
        delivery.FinishedAt = now;
        delivery.LastError = null;
        if (subscription is null)
        {
            return;
        }
        subscription.ConsecutiveFailures = 0;
        subscription.LastSuccessAt = now;
        if (subscription.State == SubscriptionState.Invalid)
        {
            subscription.State = SubscriptionState.Active;
            subscription.NextProbeAt = null;
        }
    }

    private void Failed(PushDelivery delivery, Subscription? subscription, PushResult result, TimeSpan retryWindow, DateTimeOffset now)
    {
        var settings = options.Value;
        delivery.LastError = Truncate(result.Error);
        if (subscription is not null)
        {
            subscription.ConsecutiveFailures++;
            subscription.LastFailureAt = now;
            subscription.LastError = delivery.LastError;
            if (subscription.ConsecutiveFailures >= settings.FailuresBeforeInvalid)
            {
                subscription.State = SubscriptionState.Invalid;
                subscription.NextProbeAt = now + settings.ProbeInterval;
            }
        }
        if (now - delivery.CreatedAt >= retryWindow)
        {
            DeadLetter(delivery, now, $"Not delivered within the retry window of {retryWindow}. Last error: {delivery.LastError}");
            return;
        }
        var backoff = settings.FirstRetryDelay * Math.Pow(2, Math.Min(delivery.Attempts - 1, 30));
        var wait = TimeSpan.FromTicks((long)(Math.Min(backoff.Ticks, settings.MaxRetryDelay.Ticks) * (0.5 + Random.Shared.NextDouble() / 2)));
        if (result.RetryAfter is { } retryAfter && retryAfter > wait)
        {
            wait = retryAfter;
        }
        delivery.NextAttemptAt = now + wait;
    }

    private static void DeadLetter(PushDelivery delivery, DateTimeOffset now, string reason)
    {
        delivery.State = PushDeliveryState.DeadLettered;
        delivery.FinishedAt = now;
        delivery.LastError = Truncate(reason);
    }

    /// <summary>410 Gone: the receiver wants no more; what still waits for it goes to the dead letters.</summary>
    private static async Task DisableAsync(ShoalDb db, Subscription subscription, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (subscription.State == SubscriptionState.Disabled)
        {
            return;
        }
        subscription.State = SubscriptionState.Disabled;
        subscription.LastFailureAt = now;
        subscription.LastError = "The receiver answered 410 Gone.";
        await db.PushDeliveries
            .Where(d => d.SubscriptionId == subscription.Id && d.State == PushDeliveryState.Pending && d.ClaimToken == null)
            .ExecuteUpdateAsync(u => u
                .SetProperty(d => d.State, PushDeliveryState.DeadLettered)
                .SetProperty(d => d.FinishedAt, now)
                .SetProperty(d => d.LastError, "The subscription was disabled by a 410 Gone answer."), cancellationToken);
    }

    private static string? Truncate(string? text) => text is { Length: > 1024 } ? text[..1024] : text;

    [LoggerMessage(Level = LogLevel.Debug, Message = "Push round {Claim}: {Count} pushes attempted.")]
    private static partial void LogRound(ILogger logger, int count, Guid claim);

    [LoggerMessage(Level = LogLevel.Error, Message = "A push round failed; its claimed pushes are retried when their claim lapses.")]
    private static partial void LogRoundFailed(ILogger logger, Exception error);
}
