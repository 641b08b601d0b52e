using Microsoft.EntityFrameworkCore;
using Shoal.Storage.Entities;

namespace Shoal.Storage;

/// <summary>
/// Writers that change a subscription and its pushes in one transaction take the subscription's row first, as deleting
/// a subscription does (its pushes go by cascade after it). Taken the other way round on PostgreSQL, a push worker
/// recording an outcome and an owner deleting the subscription or revoking a grant each wait for the other, and one
/// of them is failed as a deadlock.
/// </summary>
public static class SubscriptionLocks
{
    /// <summary>
    /// Reads the subscriptions with the given IDs for writing; on PostgreSQL their rows stay locked until the
    /// transaction ends (SQLite has one writer, which its transaction already is).
    /// </summary>
    public static async Task<Dictionary<string, Subscription>> ForUpdateAsync(
        this ShoalDb db, IReadOnlyCollection<string> ids, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(ids);
        if (ids.Count == 0)
        {
            return [];
        }
        var rows = db is PostgresShoalDb
            ? db.Subscriptions.FromSqlRaw("""SELECT * FROM "Subscriptions" WHERE "Id" = ANY({0}) ORDER BY "Id" FOR UPDATE""", [ids.ToArray()])
            : db.Subscriptions.Where(s => ids.Contains(s.Id));
        return await rows.ToDictionaryAsync(s => s.Id, cancellationToken);
    }
}
