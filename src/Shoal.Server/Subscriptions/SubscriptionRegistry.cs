using Microsoft.EntityFrameworkCore;
using Shoal.Delivery;
using Shoal.Server.Northbound;
using Shoal.Storage;
using Shoal.Storage.Entities;

namespace Shoal.Server.Subscriptions;

/// <summary>
/// What an NA asks to be pushed: one subscription per notification type, application and subscriber. An NA that reached
/// the application through a grant holds subscriptions of its own beside the owner's, sees and deletes only those, and
/// loses them when the grant is revoked.
/// </summary>
internal sealed class SubscriptionRegistry(ShoalDb db, CallbackAddressGuard guard, TimeProvider time)
{
    public async Task<(Subscription? Subscription, NorthboundError? Error)> SubscribeAsync(
        NorthboundCaller caller, string? notifyType, string? callbackUrl, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        if (string.IsNullOrEmpty(notifyType))
        {
            return (null, NorthboundError.Missing("notifyType"));
        }
        if (!NotifyTypes.All.Contains(notifyType))
        {
            return (null, NorthboundError.Invalid($"notifyType must be one of {string.Join(", ", NotifyTypes.All)}."));
        }
        if (string.IsNullOrEmpty(callbackUrl))
        {
            return (null, NorthboundError.Missing("callbackUrl"));
        }
        // The pushes go to the subscriber's receiver, so its own push protocol (and CA) apply.
        var protocol = await db.Applications.Where(a => a.Id == caller.CallerId).Select(a => a.PushProtocol).SingleAsync(cancellationToken);
        if (await guard.CheckCallbackUrlAsync(callbackUrl, protocol, cancellationToken) is { } illegal)
        {
            return (null, NorthboundError.IllegalCallback(illegal));
        }
        if (await db.Subscriptions.AnyAsync(
            s => s.ApplicationId == caller.TargetApplicationId && s.SubscriberId == caller.CallerId && s.NotifyType == notifyType, cancellationToken))
        {
            return (null, NorthboundError.AlreadySubscribed());
        }
        var subscription = new Subscription
        {
            Id = Guid.NewGuid().ToString(),
            ApplicationId = caller.TargetApplicationId,
            SubscriberId = caller.CallerId,
            NotifyType = notifyType,
            CallbackUrl = callbackUrl,
            CreatedAt = time.GetUtcNow(),
        };
        db.Subscriptions.Add(subscription);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException)
        {
            // Two subscribe calls raced; the unique index let one through.
            return (null, NorthboundError.AlreadySubscribed());
        }
        return (subscription, null);
    }

    public async Task<(IReadOnlyList<Subscription> Items, int Total)> ListAsync(
        NorthboundCaller caller, string? notifyType, int pageNo, int pageSize, CancellationToken cancellationToken)
    {
        var query = Visible(caller).AsNoTracking();
        if (!string.IsNullOrEmpty(notifyType))
        {
            query = query.Where(s => s.NotifyType == notifyType);
        }
        var total = await query.CountAsync(cancellationToken);
        var items = await query.OrderBy(s => s.CreatedAt).ThenBy(s => s.Id).Skip(pageNo * pageSize).Take(pageSize).ToListAsync(cancellationToken);
        return (items, total);
    }

    public Task<Subscription?> FindAsync(NorthboundCaller caller, string id, CancellationToken cancellationToken) =>
        Visible(caller).AsNoTracking().SingleOrDefaultAsync(s => s.Id == id, cancellationToken);

    public async Task<bool> DeleteAsync(NorthboundCaller caller, string id, CancellationToken cancellationToken) =>
        await Visible(caller).Where(s => s.Id == id).ExecuteDeleteAsync(cancellationToken) > 0;

    public Task<int> DeleteWhereAsync(NorthboundCaller caller, string? notifyType, string? callbackUrl, CancellationToken cancellationToken)
    {
        var query = Visible(caller);
        if (!string.IsNullOrEmpty(notifyType))
        {
            query = query.Where(s => s.NotifyType == notifyType);
        }
        if (!string.IsNullOrEmpty(callbackUrl))
        {
            query = query.Where(s => s.CallbackUrl == callbackUrl);
        }
        return query.ExecuteDeleteAsync(cancellationToken);
    }

    /// <summary>The owner's NA sees every subscription of its application; a grantee's NA only those it made.</summary>
    private IQueryable<Subscription> Visible(NorthboundCaller caller)
    {
        ArgumentNullException.ThrowIfNull(caller);
        var query = db.Subscriptions.Where(s => s.ApplicationId == caller.TargetApplicationId);
        return caller.TargetApplicationId == caller.CallerId ? query : query.Where(s => s.SubscriberId == caller.CallerId);
    }
}
