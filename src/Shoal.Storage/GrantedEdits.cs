using Microsoft.EntityFrameworkCore;
using Shoal.Storage.Entities;

namespace Shoal.Storage;

/// <summary>
/// Which applications may still act on others' devices through an Edit grant. What a grantee made through a grant
/// (subscriptions, command callbacks, rules) is acted on only while this holds: a revoke removes them at once, and an
/// expiry, which no transaction marks, is caught here before each push or rule evaluation.
/// </summary>
public static class GrantedEdits
{
    /// <summary>The (grantor, grantee) pairs among <paramref name="grantorIds"/> whose Edit grant holds at <paramref name="now"/>.</summary>
    public static async Task<HashSet<(string GrantorId, string GranteeId)>> HoldingAsync(
        this ShoalDb db, IReadOnlyCollection<string> grantorIds, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        var grants = await db.ApplicationGrants.AsNoTracking()
            .Where(g => grantorIds.Contains(g.GrantorId) && g.Level == GrantLevel.Edit && (g.ExpiresAt == null || g.ExpiresAt > now))
            .Select(g => new { g.GrantorId, g.GranteeId })
            .ToListAsync(cancellationToken);
        return [.. grants.Select(g => (g.GrantorId, g.GranteeId))];
    }

    /// <summary>Whether an application may receive what concerns <paramref name="applicationId"/>: it is that application, or holds a grant.</summary>
    public static bool Allows(this HashSet<(string GrantorId, string GranteeId)> holding, string applicationId, string? recipientId) =>
        recipientId is null || recipientId == applicationId || holding.Contains((applicationId, recipientId));
}
