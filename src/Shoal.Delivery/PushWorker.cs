using System.Collections.Concurrent;
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
/// attempt), sends them and records each outcome: delivered, retried later, or dead-lettered. Claimed pushes wait in
/// their destination's lane (a subscription, or a command's callback URL); each lane sends at most
/// <see cref="DeliveryOptions.MaxConcurrentPushesPerDestination"/> at once and starts the next as soon as one ends, so a
/// quick receiver is not paced by the rounds and a slow or dead one holds only its own share. A round does not wait for
/// a slow receiver: outcomes are recorded by the round after the send ended.
/// </summary>
internal sealed partial class PushWorker(
    IServiceScopeFactory scopes, PushSender sender, PushSigning signing, CommissioningCa commissioningCa, IOptions<DeliveryOptions> options,
    TraceRecorder recorder, EventLogSignal signal, TimeProvider time, DeliveryMetrics metrics, ILogger<PushWorker> logger) : BackgroundService
{
    /// <summary>How long a background round waits for what it sent before it goes on, so quick answers are recorded at once.</summary>
    private static readonly TimeSpan RoundWait = TimeSpan.FromMilliseconds(50);

    private readonly ConcurrentQueue<Sent> _finished = new();
    private readonly Signal _sendsEnded = new();
    private readonly SemaphoreSlim _sendSlots = new(options.Value.MaxConcurrentPushes);
    /// <summary>Claimed pushes not yet ended, by destination; guarded by locking it.</summary>
    private readonly Dictionary<string, Lane> _lanes = [];
    /// <summary>Claimed here and not yet recorded: never claimed again by this node, even when the claim has lapsed.</summary>
    private readonly HashSet<long> _unrecorded = [];
    private int _held;

    /// <summary>A send that ended: its result, or null when the push service was off and nothing was sent.</summary>
    private sealed record Sent(long DeliveryId, PushResult? Result);

    /// <summary>A claimed push; <see cref="Ended"/> completes when its send has ended.</summary>
    private sealed record Work(long DeliveryId, PushRequest? Request, TaskCompletionSource Ended, CancellationToken CancellationToken);

    /// <summary>One destination's claimed pushes: a few being sent, the others waiting their turn in claim order.</summary>
    private sealed class Lane
    {
        public Queue<Work> Waiting { get; } = new();
        public int Sending { get; set; }
        public int Held => Waiting.Count + Sending;
    }

    public override void Dispose()
    {
        _sendSlots.Dispose();
        base.Dispose();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Polling paces the loop in real time; every decision about when a push is due uses the injected TimeProvider.
        try
        {
            while (true)
            {
                // New events to turn into pushes, or sends that ended: outcomes to record and room to claim more.
                var wake = Task.WhenAny(signal.Next, _sendsEnded.Next);
                try
                {
                    while (await RunRoundAsync(RoundWait, stoppingToken) > 0)
                    {
                    }
                }
                catch (Exception error) when (error is not OperationCanceledException)
                {
                    LogRoundFailed(logger, error);
                }
                await Signal.WaitAsync(wake, options.Value.PollInterval, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>
    /// One round that waits for every push it sends, as a second node's round would be observed from outside: new
    /// events into deliveries, one batch of due deliveries sent, every outcome recorded. Returns how much it did.
    /// </summary>
    public Task<int> RunOnceAsync(CancellationToken cancellationToken) => RunRoundAsync(Timeout.InfiniteTimeSpan, cancellationToken);

    private async Task<int> RunRoundAsync(TimeSpan waitForSends, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ShoalDb>();
        var events = await new PushFanOut(db, options, recorder, time, metrics, logger).RunOnceAsync(cancellationToken);
        db.ChangeTracker.Clear();
        var recorded = await RecordAsync(db, cancellationToken);
        var claim = Guid.NewGuid();
        var claimed = await ClaimAsync(db, claim, cancellationToken);
        if (claimed.Count > 0)
        {
            var sending = await StartAsync(db, claimed, cancellationToken);
            if (waitForSends == Timeout.InfiniteTimeSpan)
            {
                await sending;
            }
            else
            {
                await Task.WhenAny(sending, Task.Delay(waitForSends, cancellationToken));
            }
            recorded += await RecordAsync(db, cancellationToken);
        }
        return events + claimed.Count + recorded;
    }

    private async Task<List<PushDelivery>> ClaimAsync(ShoalDb db, Guid claim, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var unclaimed = db.PushDeliveries.Where(d =>
            d.State == PushDeliveryState.Pending && (d.ClaimedUntil == null || d.ClaimedUntil < now));
        // A destination that holds its share of claimed pushes is not claimed from until one of them ends.
        var share = options.Value.MaxConcurrentPushesPerDestination * DeliveryOptions.HeldPerSending;
        Dictionary<string, int> held;
        List<long> unrecorded;
        lock (_lanes)
        {
            held = _lanes.ToDictionary(lane => lane.Key, lane => lane.Value.Held);
            unrecorded = [.. _unrecorded];
        }
        var busy = held.Where(d => d.Value >= share).Select(d => d.Key).ToList();
        var candidates = await unclaimed
            .Where(d => d.NextAttemptAt <= now
                && (d.SubscriptionId == null || db.Subscriptions.Any(s => s.Id == d.SubscriptionId && s.State == SubscriptionState.Active))
                && !busy.Contains(d.SubscriptionId ?? d.CallbackUrl!)
                && !unrecorded.Contains(d.Id)
                // Only the oldest waiting push about a device to a destination leaves; the next waits for its outcome.
                && !db.PushDeliveries.Any(o => o.DeviceId == d.DeviceId && o.State == PushDeliveryState.Pending && o.Id < d.Id
                    && o.SubscriptionId == d.SubscriptionId && o.CallbackUrl == d.CallbackUrl))
            .OrderBy(d => d.Id)
            .Take(options.Value.BatchSize)
            .Select(d => new { d.Id, Destination = d.SubscriptionId ?? d.CallbackUrl! })
            .ToListAsync(cancellationToken);
        var room = options.Value.MaxConcurrentPushes * DeliveryOptions.HeldPerSending - Volatile.Read(ref _held);
        var taken = new Dictionary<string, int>();
        var due = new List<long>();
        foreach (var candidate in candidates.TakeWhile(_ => due.Count < room))
        {
            var claimedHere = taken.GetValueOrDefault(candidate.Destination);
            if (held.GetValueOrDefault(candidate.Destination) + claimedHere < share)
            {
                due.Add(candidate.Id);
                taken[candidate.Destination] = claimedHere + 1;
            }
        }
        // An invalid callback URL gets one probe at a time, on the probe schedule: its oldest waiting push.
        var probes = db.Subscriptions
            .Where(s => s.State == SubscriptionState.Invalid && s.NextProbeAt <= now)
            .Select(s => db.PushDeliveries.Where(d => d.SubscriptionId == s.Id && d.State == PushDeliveryState.Pending).Min(d => (long?)d.Id))
            .Where(id => id != null)
            .Select(id => id!.Value);
        if (due.Count == 0 && !await probes.AnyAsync(cancellationToken))
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

    /// <summary>Hands <paramref name="claimed"/> to their destinations' lanes; the task ends when all have been sent.</summary>
    private async Task<Task> StartAsync(ShoalDb db, List<PushDelivery> claimed, CancellationToken cancellationToken)
    {
        var subscriptionIds = claimed.Where(d => d.SubscriptionId != null).Select(d => d.SubscriptionId).Distinct().ToList();
        var subscriptions = await db.Subscriptions.AsNoTracking().Where(s => subscriptionIds.Contains(s.Id)).ToDictionaryAsync(s => s.Id, cancellationToken);
        // A subscription deleted since the claim took its deliveries with it.
        claimed.RemoveAll(d => d.SubscriptionId is { } id && !subscriptions.ContainsKey(id));
        var applicationIds = claimed.Select(d => d.ApplicationId).Distinct().ToList();
        // A push for an NA that reached the devices through a grant goes only while the grant holds, checked at send time.
        var granted = await db.HoldingAsync(applicationIds, time.GetUtcNow(), cancellationToken);
        foreach (var lapsed in claimed.Where(d => !granted.Allows(d.ApplicationId, d.RecipientId)))
        {
            lapsed.ClaimToken = null;
            lapsed.ClaimedUntil = null;
            DeadLetter(lapsed, time.GetUtcNow(), $"The grant that let application {lapsed.RecipientId} receive this push was revoked or has expired.");
        }
        var deadLetters = DeliveryMetrics.DeadLettersIn(db);
        await db.SaveChangesAsync(cancellationToken);
        metrics.DeadLettered(deadLetters);
        claimed.RemoveAll(d => d.State != PushDeliveryState.Pending);
        // The receiver is the recipient's: its push protocol, CA and signing secret apply.
        var recipientIds = claimed.Select(Recipient).Distinct().ToList();
        var applications = await db.Applications.AsNoTracking()
            .Where(a => applicationIds.Contains(a.Id) || recipientIds.Contains(a.Id))
            .Select(a => new { a.Id, a.PushProtocol, a.CaCertificatesPem, a.UseCommissioningCa, Pushing = a.PushService && a.FrozenAt == null })
            .ToDictionaryAsync(a => a.Id, cancellationToken);
        string? TrustedCas(string applicationId) =>
            commissioningCa.Trusted(applications[applicationId].UseCommissioningCa, applications[applicationId].CaCertificatesPem);
        var keys = new Dictionary<string, IReadOnlyList<byte[]>>();
        foreach (var id in recipientIds)
        {
            keys[id] = await signing.KeysAsync(db, id, cancellationToken);
        }

        var sends = new List<Task>(claimed.Count);
        foreach (var delivery in claimed)
        {
            var recipient = applications[Recipient(delivery)];
            // Push service turned off or the application frozen since the push was made: it waits, unsent.
            var request = applications[delivery.ApplicationId].Pushing
                ? new PushRequest(recipient.Id, recipient.PushProtocol, TrustedCas(recipient.Id),
                    delivery.CallbackUrl ?? subscriptions[delivery.SubscriptionId!].CallbackUrl, delivery.WebhookId, delivery.Body, keys[recipient.Id],
                    delivery.Sequence)
                : null;
            var work = new Work(delivery.Id, request, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously), cancellationToken);
            Hand(Destination(delivery), work);
            sends.Add(work.Ended.Task);
        }
        return Task.WhenAll(sends);
    }

    private void Hand(string destination, Work work)
    {
        lock (_lanes)
        {
            if (!_lanes.TryGetValue(destination, out var lane))
            {
                _lanes[destination] = lane = new Lane();
            }
            lane.Waiting.Enqueue(work);
            _held++;
            _unrecorded.Add(work.DeliveryId);
            StartWaiting(destination, lane);
        }
    }

    /// <summary>Starts the lane's waiting pushes while it has fewer than its share being sent. Called under the lock.</summary>
    private void StartWaiting(string destination, Lane lane)
    {
        while (lane.Sending < options.Value.MaxConcurrentPushesPerDestination && lane.Waiting.TryDequeue(out var work))
        {
            lane.Sending++;
            _ = SendAsync(destination, lane, work);
        }
    }

    /// <summary>
    /// Sends one push, at most <see cref="DeliveryOptions.MaxConcurrentPushes"/> at once on the node, and at once starts
    /// the next one waiting for the same destination: a quick receiver is never paced by the rounds.
    /// </summary>
    private async Task SendAsync(string destination, Lane lane, Work work)
    {
        try
        {
            await _sendSlots.WaitAsync(work.CancellationToken);
            try
            {
                _finished.Enqueue(new Sent(work.DeliveryId, work.Request is null ? null : await sender.SendAsync(work.Request, work.CancellationToken)));
            }
            finally
            {
                _sendSlots.Release();
            }
        }
        catch (OperationCanceledException) when (work.CancellationToken.IsCancellationRequested)
        {
        }
        catch (Exception error)
        {
            // Nothing is recorded: the claim lapses and the push is sent again.
            LogSendFailed(logger, work.DeliveryId, error);
            lock (_lanes)
            {
                _unrecorded.Remove(work.DeliveryId);
            }
        }
        finally
        {
            lock (_lanes)
            {
                lane.Sending--;
                _held--;
                if (lane.Held == 0)
                {
                    _lanes.Remove(destination);
                }
                else
                {
                    StartWaiting(destination, lane);
                }
            }
            work.Ended.TrySetResult();
            _sendsEnded.Raise();
        }
    }

    /// <summary>Records the outcome of every send that ended since the last time; returns how many.</summary>
    private async Task<int> RecordAsync(ShoalDb db, CancellationToken cancellationToken)
    {
        var finished = new Dictionary<long, PushResult?>();
        while (_finished.TryDequeue(out var sent))
        {
            finished[sent.DeliveryId] = sent.Result;
        }
        lock (_lanes)
        {
            _unrecorded.ExceptWith(finished.Keys);
        }
        if (finished.Count == 0)
        {
            return 0;
        }
        try
        {
            await SaveOutcomesAsync(db, finished, cancellationToken);
        }
        catch (DbUpdateException)
        {
            // A row changed under the round: a subscription deleted with its pushes, a grant revoked, a push
            // dead-lettered meanwhile. Read again and record what still applies, rather than lose every outcome.
            db.ChangeTracker.Clear();
            await SaveOutcomesAsync(db, finished, cancellationToken);
        }
        LogRecorded(logger, finished.Count);
        return finished.Count;
    }

    private async Task SaveOutcomesAsync(ShoalDb db, Dictionary<long, PushResult?> finished, CancellationToken cancellationToken)
    {
        var ids = finished.Keys.ToList();
        await using var transaction = db is PostgresShoalDb ? await db.Database.BeginTransactionAsync(cancellationToken) : null;
        var deliveries = await db.PushDeliveries.Where(d => ids.Contains(d.Id) && d.State == PushDeliveryState.Pending).ToListAsync(cancellationToken);
        var subscriptions = await db.ForUpdateAsync(
            deliveries.Where(d => d.SubscriptionId != null).Select(d => d.SubscriptionId!).Distinct().ToList(), cancellationToken);
        var now = time.GetUtcNow();
        var retryWindow = await RetryWindowAsync(db, now, cancellationToken);
        var disabled = new List<(string ApplicationId, int DeadLetters)>();
        foreach (var delivery in deliveries)
        {
            delivery.ClaimToken = null;
            delivery.ClaimedUntil = null;
            if (finished[delivery.Id] is not { } result)
            {
                delivery.NextAttemptAt = now + options.Value.ProbeInterval;
                continue;
            }
            var subscription = delivery.SubscriptionId is { } subscriptionId ? subscriptions.GetValueOrDefault(subscriptionId) : null;
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
            recorder.PushAttempted(delivery, delivery.CallbackUrl ?? subscription?.CallbackUrl ?? "", result);
            if (result.Succeeded)
            {
                Delivered(delivery, subscription, now);
            }
            else if (result.Status == StatusGone && subscription is not null)
            {
                disabled.Add((subscription.ApplicationId, await DisableAsync(db, subscription, now, cancellationToken)));
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
        var deadLetters = DeliveryMetrics.DeadLettersIn(db);
        await db.SaveChangesAsync(cancellationToken);
        if (transaction is not null)
        {
            await transaction.CommitAsync(cancellationToken);
        }
        db.ChangeTracker.Clear();
        foreach (var delivery in deliveries)
        {
            if (finished[delivery.Id] is { } result)
            {
                metrics.Pushed(delivery.ApplicationId, result);
            }
        }
        metrics.DeadLettered(deadLetters);
        disabled.ForEach(d => metrics.DeadLettered(d.ApplicationId, d.DeadLetters));
    }

    private static string Destination(PushDelivery delivery) => delivery.SubscriptionId ?? delivery.CallbackUrl!;

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

    /// <summary>410 Gone: the receiver wants no more; what still waits for it goes to the dead letters. Returns how many did.</summary>
    private static async Task<int> DisableAsync(ShoalDb db, Subscription subscription, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (subscription.State == SubscriptionState.Disabled)
        {
            return 0;
        }
        subscription.State = SubscriptionState.Disabled;
        subscription.LastFailureAt = now;
        subscription.LastError = "The receiver answered 410 Gone.";
        return await db.PushDeliveries
            .Where(d => d.SubscriptionId == subscription.Id && d.State == PushDeliveryState.Pending && d.ClaimToken == null)
            .ExecuteUpdateAsync(u => u
                .SetProperty(d => d.State, PushDeliveryState.DeadLettered)
                .SetProperty(d => d.FinishedAt, now)
                .SetProperty(d => d.LastError, "The subscription was disabled by a 410 Gone answer."), cancellationToken);
    }

    private static string? Truncate(string? text) => text is { Length: > 1024 } ? text[..1024] : text;

    [LoggerMessage(Level = LogLevel.Debug, Message = "{Count} push attempts recorded.")]
    private static partial void LogRecorded(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Sending push {DeliveryId} failed unexpectedly; it is sent again when its claim lapses.")]
    private static partial void LogSendFailed(ILogger logger, long deliveryId, Exception error);

    [LoggerMessage(Level = LogLevel.Error, Message = "A push round failed; its claimed pushes are retried when their claim lapses.")]
    private static partial void LogRoundFailed(ILogger logger, Exception error);
}

