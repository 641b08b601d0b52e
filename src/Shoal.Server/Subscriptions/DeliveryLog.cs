using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Shoal.Delivery;
using Shoal.Server.Audit;
using Shoal.Server.Common;
using Shoal.Server.Northbound;
using Shoal.Storage;
using Shoal.Storage.Entities;

namespace Shoal.Server.Subscriptions;

internal sealed record SubscriptionHealth(Subscription Subscription, int Backlog);

internal sealed record PushOverview(IReadOnlyList<SubscriptionHealth> Subscriptions, int Backlog, int BacklogCap, BacklogFullAction BacklogFull);

/// <summary>What the owner of an application sees of its pushes: health, attempts and dead letters, and what it can do about them.</summary>
internal sealed class DeliveryLog(
    ShoalDb db, SubscriptionRegistry subscriptions, PushSigning signing, PushProbe probe, AuditLog audit, IOptions<DeliveryOptions> options, TimeProvider time)
{
    public async Task<Outcome<PushOverview>> OverviewAsync(Guid ownerId, string applicationId, CancellationToken cancellationToken)
    {
        if (!await OwnsAsync(ownerId, applicationId, cancellationToken))
        {
            return new Missing("Application");
        }
        var subscriptions = await db.Subscriptions.AsNoTracking()
            .Where(s => s.ApplicationId == applicationId).OrderBy(s => s.NotifyType).ToListAsync(cancellationToken);
        var backlog = await db.PushDeliveries
            .Where(d => d.ApplicationId == applicationId && d.State == PushDeliveryState.Pending)
            .GroupBy(d => d.SubscriptionId)
            .Select(g => new { Key = g.Key ?? "", Count = g.Count() })
            .ToDictionaryAsync(g => g.Key, g => g.Count, cancellationToken);
        return new PushOverview(
            [.. subscriptions.Select(s => new SubscriptionHealth(s, backlog.GetValueOrDefault(s.Id)))],
            backlog.Values.Sum(), options.Value.BacklogCap, options.Value.BacklogFull);
    }

    public async Task<Outcome<Paged<PushAttempt>>> AttemptsAsync(
        Guid ownerId, string applicationId, string? subscriptionId, int? page, int? pageSize, CancellationToken cancellationToken)
    {
        if (!await OwnsAsync(ownerId, applicationId, cancellationToken))
        {
            return new Missing("Application");
        }
        var (number, size) = Paging.Normalize(page, pageSize);
        var query = db.PushAttempts.AsNoTracking()
            .Where(a => db.Subscriptions.Any(s => s.Id == a.SubscriptionId && s.ApplicationId == applicationId)
                || (a.SubscriptionId == null && db.PushDeliveries.Any(d => d.Id == a.DeliveryId && d.ApplicationId == applicationId)));
        if (!string.IsNullOrEmpty(subscriptionId))
        {
            query = query.Where(a => a.SubscriptionId == subscriptionId);
        }
        var total = await query.CountAsync(cancellationToken);
        var items = await query.OrderByDescending(a => a.Id).Skip((number - 1) * size).Take(size).ToListAsync(cancellationToken);
        return new Paged<PushAttempt>(items, number, size, total);
    }

    public async Task<Outcome<Paged<PushDelivery>>> DeadLettersAsync(
        Guid ownerId, string applicationId, int? page, int? pageSize, CancellationToken cancellationToken)
    {
        if (!await OwnsAsync(ownerId, applicationId, cancellationToken))
        {
            return new Missing("Application");
        }
        var (number, size) = Paging.Normalize(page, pageSize);
        var query = DeadLetters(applicationId).AsNoTracking();
        var total = await query.CountAsync(cancellationToken);
        var items = await query.OrderByDescending(d => d.Id).Skip((number - 1) * size).Take(size).ToListAsync(cancellationToken);
        return new Paged<PushDelivery>(items, number, size, total);
    }

    /// <summary>
    /// Puts dead letters (one, or all when <paramref name="deliveryId"/> is null) back in line with a fresh retry
    /// window, and brings a disabled or invalid subscription back to life: the owner asked for them to be tried again.
    /// </summary>
    public async Task<Outcome<int>> ReplayAsync(Actor actor, string applicationId, long? deliveryId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(actor);
        if (!await OwnsAsync(actor.RequiredId, applicationId, cancellationToken))
        {
            return new Missing("Application");
        }
        var letters = DeadLetters(applicationId);
        if (deliveryId is { } id)
        {
            letters = letters.Where(d => d.Id == id);
        }
        var subscriptionIds = await letters.Select(d => d.SubscriptionId).Distinct().ToListAsync(cancellationToken);
        if (deliveryId is not null && subscriptionIds.Count == 0)
        {
            return new Missing("Dead letter");
        }
        var now = time.GetUtcNow();
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var count = await letters.ExecuteUpdateAsync(u => u
            .SetProperty(d => d.State, PushDeliveryState.Pending)
            .SetProperty(d => d.CreatedAt, now)
            .SetProperty(d => d.NextAttemptAt, now)
            .SetProperty(d => d.FinishedAt, (DateTimeOffset?)null), cancellationToken);
        await db.Subscriptions
            .Where(s => subscriptionIds.Contains(s.Id) && s.State != SubscriptionState.Active)
            .ExecuteUpdateAsync(u => u
                .SetProperty(s => s.State, SubscriptionState.Active)
                .SetProperty(s => s.ConsecutiveFailures, 0)
                .SetProperty(s => s.NextProbeAt, (DateTimeOffset?)null), cancellationToken);
        var ownerId = await db.Applications.Where(a => a.Id == applicationId).Select(a => a.OwnerId).SingleAsync(cancellationToken);
        audit.Record(db, actor, ownerId, "push.replay", applicationId, $"{count} dead letter(s) replayed");
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return count;
    }

    /// <summary>Issues a new signing secret (shown once); the previous one keeps signing for the overlap.</summary>
    public async Task<Outcome<string>> RotateSigningSecretAsync(Actor actor, string applicationId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(actor);
        if (!await OwnsAsync(actor.RequiredId, applicationId, cancellationToken))
        {
            return new Missing("Application");
        }
        audit.Record(db, actor, actor.RequiredId, "push.signing-secret.rotate", applicationId, $"previous secrets retire after {options.Value.SigningSecretOverlap}");
        return await signing.RotateAsync(db, applicationId, cancellationToken);
    }

    /// <summary>Subscribes the application's own NA, as its NA would on the northbound API.</summary>
    public async Task<Outcome<Subscription>> SubscribeAsync(
        Actor actor, string applicationId, string? notifyType, string? callbackUrl, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(actor);
        if (!await OwnsAsync(actor.RequiredId, applicationId, cancellationToken))
        {
            return new Missing("Application");
        }
        var (subscription, error) = await subscriptions.SubscribeAsync(new NorthboundCaller(applicationId, applicationId, null), notifyType, callbackUrl, cancellationToken);
        if (error is not null)
        {
            var field = error == NorthboundError.AlreadySubscribed() || notifyType is null || !NotifyTypes.All.Contains(notifyType) ? "notifyType" : "callbackUrl";
            return new InvalidInput(FieldErrors.Of(field, error.Description));
        }
        audit.Record(db, actor, actor.RequiredId, "push.subscribe", applicationId, $"{subscription!.NotifyType} to {subscription.CallbackUrl}");
        await db.SaveChangesAsync(cancellationToken);
        return subscription;
    }

    public async Task<Outcome<bool>> UnsubscribeAsync(Actor actor, string applicationId, string subscriptionId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(actor);
        var subscription = await OwnedSubscriptionAsync(actor.RequiredId, applicationId, subscriptionId, cancellationToken);
        if (!subscription.Succeeded)
        {
            return subscription.Failure!;
        }
        await db.Subscriptions.Where(s => s.Id == subscriptionId).ExecuteDeleteAsync(cancellationToken);
        audit.Record(db, actor, actor.RequiredId, "push.unsubscribe", applicationId, $"{subscription.Value!.NotifyType} to {subscription.Value.CallbackUrl}");
        await db.SaveChangesAsync(cancellationToken);
        return true;
    }

    /// <summary>Sends the subscription's receiver a sample push and tells what it answered.</summary>
    public async Task<Outcome<PushResult>> TestAsync(Guid ownerId, string applicationId, string subscriptionId, CancellationToken cancellationToken)
    {
        var subscription = await OwnedSubscriptionAsync(ownerId, applicationId, subscriptionId, cancellationToken);
        return subscription.Succeeded ? await probe.SendAsync(db, subscription.Value!, cancellationToken) : subscription.Failure!;
    }

    private async Task<Outcome<Subscription>> OwnedSubscriptionAsync(Guid ownerId, string applicationId, string subscriptionId, CancellationToken cancellationToken)
    {
        if (!await OwnsAsync(ownerId, applicationId, cancellationToken))
        {
            return new Missing("Application");
        }
        return await db.Subscriptions.AsNoTracking().SingleOrDefaultAsync(s => s.Id == subscriptionId && s.ApplicationId == applicationId, cancellationToken) is { } subscription
            ? subscription
            : new Missing("Subscription");
    }

    private IQueryable<PushDelivery> DeadLetters(string applicationId) =>
        db.PushDeliveries.Where(d => d.ApplicationId == applicationId && d.State == PushDeliveryState.DeadLettered);

    private Task<bool> OwnsAsync(Guid ownerId, string applicationId, CancellationToken cancellationToken) =>
        db.Applications.AnyAsync(a => a.Id == applicationId && a.OwnerId == ownerId, cancellationToken);
}
