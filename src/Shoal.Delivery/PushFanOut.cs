using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Shoal.Storage;
using Shoal.Storage.Entities;
using Shoal.Storage.Tracing;

namespace Shoal.Delivery;

/// <summary>
/// Turns the device event log into deliveries: reads the events after the cursor, writes one delivery per matching
/// subscription and moves the cursor, all in one transaction, so every event is pushed once per subscription
/// whatever crashes. An event that cannot be turned into pushes goes to its application's dead letters and the batch
/// goes on: one bad event must never hold back the pushes of every application behind it.
/// </summary>
internal sealed partial class PushFanOut(ShoalDb db, IOptions<DeliveryOptions> options, TraceRecorder recorder, TimeProvider time, DeliveryMetrics metrics,
    ILogger logger)
{
    private const int CursorId = 1;

    /// <summary>Handles one batch of new events; returns how many it read.</summary>
    public async Task<int> RunOnceAsync(CancellationToken cancellationToken)
    {
        var from = await db.PushCursors.Where(c => c.Id == CursorId).Select(c => (long?)c.LastEventId).SingleOrDefaultAsync(cancellationToken) ?? 0;
        if (await db.NextBatchEndAsync(from, options.Value.BatchSize, cancellationToken) is not { } to)
        {
            return 0;
        }
        // Only the events something will be pushed for leave the database: those of an application that pushes and
        // has a subscriber, and commands, whose own callback URL is pushed without one.
        var events = await db.DeviceEvents.AsNoTracking()
            .Where(e => e.Id > from && e.Id <= to)
            .Where(e => db.Applications.Any(a => a.Id == e.ApplicationId && a.PushService && a.FrozenAt == null))
            .Where(e => e.Type == DeviceEventType.CommandStateChanged
                || db.Subscriptions.Any(s => s.ApplicationId == e.ApplicationId && s.State != SubscriptionState.Disabled))
            .OrderBy(e => e.Id)
            .ToListAsync(cancellationToken);

        var applicationIds = events.Select(e => e.ApplicationId).Distinct().ToList();
        // A sub-device's pushes name its gateway; one deleted since names itself.
        var deviceIds = events.Select(e => e.DeviceId).Distinct().ToList();
        var gateways = deviceIds.Count == 0
            ? []
            : await db.Devices.Where(d => deviceIds.Contains(d.Id) && d.GatewayId != null).ToDictionaryAsync(d => d.Id, d => d.GatewayId!, cancellationToken);
        var pushing = await db.Applications
            .Where(a => applicationIds.Contains(a.Id) && a.PushService && a.FrozenAt == null)
            .Select(a => a.Id)
            .ToListAsync(cancellationToken);
        var now = time.GetUtcNow();
        var granted = await db.HoldingAsync(pushing, now, cancellationToken);
        // The owner's subscription and each grantee's, while its grant holds.
        var subscriptions = (await db.Subscriptions.AsNoTracking()
            .Where(s => pushing.Contains(s.ApplicationId) && s.State != SubscriptionState.Disabled)
            .ToListAsync(cancellationToken))
            .Where(s => granted.Allows(s.ApplicationId, s.SubscriberId))
            .ToLookup(s => (s.ApplicationId, s.NotifyType));
        var backlog = await db.PushDeliveries
            .Where(d => pushing.Contains(d.ApplicationId) && d.State == PushDeliveryState.Pending)
            .GroupBy(d => d.ApplicationId)
            .Select(g => new { g.Key, Count = g.Count() })
            .ToDictionaryAsync(g => g.Key, g => g.Count, cancellationToken);

        var evicted = new Dictionary<string, int>();
        var queued = new List<(DeviceEvent Source, string WebhookId)>();
        async Task AddAsync(
            DeviceEvent source, string applicationId, string? recipientId, string? subscriptionId, string? callbackUrl, string notifyType, string body)
        {
            var delivery = new PushDelivery
            {
                WebhookId = $"msg_{Guid.NewGuid():N}",
                SubscriptionId = subscriptionId,
                CallbackUrl = callbackUrl,
                ApplicationId = applicationId,
                RecipientId = recipientId == applicationId ? null : recipientId,
                NotifyType = notifyType,
                Body = body,
                DeviceId = source.DeviceId,
                Sequence = source.Id,
                CreatedAt = now,
                NextAttemptAt = now,
            };
            var waiting = backlog.GetValueOrDefault(applicationId);
            if (waiting >= options.Value.BacklogCap)
            {
                await MakeRoomAsync(delivery, evicted, now, cancellationToken);
            }
            else
            {
                backlog[applicationId] = waiting + 1;
            }
            db.PushDeliveries.Add(delivery);
            queued.Add((source, delivery.WebhookId));
        }

        var subscribed = subscriptions.Select(g => g.Key.ApplicationId).ToHashSet();
        foreach (var deviceEvent in events.Where(e => pushing.Contains(e.ApplicationId)))
        {
            CommandCallback? callback;
            IReadOnlyList<Notification> notifications;
            try
            {
                callback = Notifications.CommandCallback(deviceEvent);
                notifications = subscribed.Contains(deviceEvent.ApplicationId) ? [.. Notifications.From(deviceEvent, gateways.GetValueOrDefault(deviceEvent.DeviceId))] : [];
            }
            catch (Exception error) when (error is not OperationCanceledException)
            {
                LogUnreadable(logger, deviceEvent.Id, deviceEvent.DeviceId, error);
                DeadLetterUnreadable(deviceEvent, subscriptions.SelectMany(g => g).Where(s => s.ApplicationId == deviceEvent.ApplicationId), error, now);
                continue;
            }
            // A command's own callback URL is pushed whether or not anyone subscribed.
            if (callback is { } command && granted.Allows(deviceEvent.ApplicationId, command.IssuerId))
            {
                await AddAsync(deviceEvent, deviceEvent.ApplicationId, command.IssuerId, null, command.Url, NotifyTypes.CommandRsp, command.Body);
            }
            foreach (var notification in notifications)
            {
                foreach (var subscription in subscriptions[(deviceEvent.ApplicationId, notification.NotifyType)])
                {
                    await AddAsync(deviceEvent, subscription.ApplicationId, subscription.SubscriberId, subscription.Id, null, notification.NotifyType, notification.Body);
                }
            }
        }
        // The reading and building above took no write lock; only writing the deliveries with the cursor's move does.
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        if (!await db.TryMoveCursorAsync(db.PushCursors, CursorId, from, to, cancellationToken))
        {
            return 0;
        }
        var deadLetters = DeliveryMetrics.DeadLettersIn(db);
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        metrics.DeadLettered(deadLetters);
        foreach (var (source, webhookId) in queued)
        {
            recorder.PushQueued(source.DeviceId, source.Id, webhookId);
        }
        return (int)(to - from);
    }

    /// <summary>
    /// What the application would have been pushed, as dead letters that name the event, so its owner sees that
    /// something was not delivered and why. The body is the event as stored.
    /// </summary>
    private void DeadLetterUnreadable(DeviceEvent deviceEvent, IEnumerable<Subscription> subscriptions, Exception error, DateTimeOffset now)
    {
        foreach (var subscription in subscriptions)
        {
            db.PushDeliveries.Add(new PushDelivery
            {
                WebhookId = $"msg_{Guid.NewGuid():N}",
                SubscriptionId = subscription.Id,
                ApplicationId = subscription.ApplicationId,
                RecipientId = subscription.SubscriberId == subscription.ApplicationId ? null : subscription.SubscriberId,
                NotifyType = subscription.NotifyType,
                Body = deviceEvent.Payload,
                DeviceId = deviceEvent.DeviceId,
                Sequence = deviceEvent.Id,
                CreatedAt = now,
                NextAttemptAt = now,
                State = PushDeliveryState.DeadLettered,
                FinishedAt = now,
                LastError = $"Device event {deviceEvent.Id} of device {deviceEvent.DeviceId} could not be turned into a push: {error.Message}",
            });
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Device event {EventId} of device {DeviceId} could not be turned into pushes; it is dead-lettered and the others go on.")]
    private static partial void LogUnreadable(ILogger logger, long eventId, string deviceId, Exception error);

    private async Task MakeRoomAsync(PushDelivery delivery, Dictionary<string, int> evicted, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var reason = $"The application's backlog of {options.Value.BacklogCap} waiting pushes was full.";
        var victim = delivery;
        if (options.Value.BacklogFull == BacklogFullAction.DeadLetterOldest)
        {
            var skip = evicted.GetValueOrDefault(delivery.ApplicationId);
            var oldest = await db.PushDeliveries
                .Where(d => d.ApplicationId == delivery.ApplicationId && d.State == PushDeliveryState.Pending)
                .OrderBy(d => d.Id)
                .Skip(skip)
                .FirstOrDefaultAsync(cancellationToken);
            if (oldest is not null)
            {
                evicted[delivery.ApplicationId] = skip + 1;
                victim = oldest;
            }
        }
        victim.State = PushDeliveryState.DeadLettered;
        victim.FinishedAt = now;
        victim.LastError = reason;
    }
}
