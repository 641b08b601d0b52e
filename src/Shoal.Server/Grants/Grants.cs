using Microsoft.EntityFrameworkCore;
using Shoal.Server.Audit;
using Shoal.Server.Common;
using Shoal.Storage;
using Shoal.Storage.Entities;

namespace Shoal.Server.Grants;

/// <summary>A grant as either side sees it: the other application's name only when the viewer owns both.</summary>
internal sealed record GrantView(ApplicationGrant Grant, string? GrantorName, string? GranteeName);

/// <summary>Applications granting each other access to their devices (docs/authorization.md).</summary>
internal sealed class Grants(ShoalDb db, AuditLog audit, TimeProvider time)
{
    public async Task<Outcome<GrantView>> CreateAsync(
        Actor actor, string grantorId, string? granteeId, GrantLevel level, DateTimeOffset? expiresAt, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(actor);
        var grantor = await db.Applications.SingleOrDefaultAsync(a => a.Id == grantorId && a.OwnerId == actor.Id, cancellationToken);
        if (grantor is null)
        {
            return new Missing("Application");
        }
        var errors = new FieldErrors();
        granteeId = granteeId?.Trim();
        var grantee = string.IsNullOrEmpty(granteeId) ? null : await db.Applications.AsNoTracking().SingleOrDefaultAsync(a => a.Id == granteeId, cancellationToken);
        if (grantee is null)
        {
            errors.Add("granteeApplicationId", "Enter the ID of an existing application (yours or another user's).");
        }
        else if (grantee.Id == grantor.Id)
        {
            errors.Add("granteeApplicationId", "An application always has access to its own devices; choose another application.");
        }
        if (!Enum.IsDefined(level))
        {
            errors.Add("level", "Choose View or Edit.");
        }
        var now = time.GetUtcNow();
        if (expiresAt <= now)
        {
            errors.Add("expiresAt", "Choose an expiry in the future, or none.");
        }
        if (errors.Any)
        {
            return new InvalidInput(errors);
        }
        if (await db.ApplicationGrants.AnyAsync(g => g.GrantorId == grantor.Id && g.GranteeId == grantee!.Id, cancellationToken))
        {
            return new Refused(StatusCodes.Status409Conflict, "This application already has a grant.", "Revoke it first to grant another level or expiry.");
        }

        var grant = new ApplicationGrant
        {
            Id = Guid.CreateVersion7(now),
            GrantorId = grantor.Id,
            GranteeId = grantee!.Id,
            Level = level,
            ExpiresAt = expiresAt?.ToUniversalTime(),
            CreatedAt = now,
            CreatedBy = actor.RequiredId,
        };
        db.ApplicationGrants.Add(grant);
        var expiry = grant.ExpiresAt is { } until ? $" until {until:u}" : "";
        audit.Record(db, actor, grantor.OwnerId, "grant.created", grantor.Id, $"{level} access granted to application {grantee.Id}{expiry}.");
        audit.Record(db, actor, grantee.OwnerId, "grant.received", grantee.Id, $"{level} access received from application {grantor.Id}{expiry}.");
        await db.SaveChangesAsync(cancellationToken);
        return new GrantView(grant, grantor.Name, grantee.OwnerId == grantor.OwnerId ? grantee.Name : null);
    }

    public async Task<Outcome<ApplicationGrant>> RevokeAsync(Actor actor, string grantorId, Guid grantId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(actor);
        var found = await db.ApplicationGrants
            .Where(g => g.Id == grantId && g.GrantorId == grantorId)
            .Join(db.Applications, g => g.GrantorId, a => a.Id, (g, a) => new { Grant = g, a.OwnerId })
            .SingleOrDefaultAsync(cancellationToken);
        if (found is null || found.OwnerId != actor.Id)
        {
            return new Missing("Grant");
        }
        var granteeId = found.Grant.GranteeId;
        var granteeOwner = await db.Applications.Where(a => a.Id == granteeId).Select(a => a.OwnerId).SingleAsync(cancellationToken);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var withdrawn = await WithdrawAsync(grantorId, granteeId, cancellationToken);
        db.ApplicationGrants.Remove(found.Grant);
        audit.Record(db, actor, found.OwnerId, "grant.revoked", grantorId, $"Access of application {granteeId} revoked; {withdrawn}.");
        audit.Record(db, actor, granteeOwner, "grant.lost", granteeId, $"Access to application {grantorId} was revoked by its owner; {withdrawn}.");
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return found.Grant;
    }

    /// <summary>
    /// Takes back what the grantee made through the grant: its subscriptions go (with what waits in them), its commands
    /// no longer call back, its rules stop, and the pushes, e-mails and SMS still waiting for it are dead-lettered. An
    /// expired grant keeps its rows, but the push and rule workers check the grant before they act on them.
    /// </summary>
    private async Task<string> WithdrawAsync(string grantorId, string granteeId, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var subscriptions = await db.Subscriptions.Where(s => s.ApplicationId == grantorId && s.SubscriberId == granteeId).ExecuteDeleteAsync(cancellationToken);
        var commands = await db.DeviceCommands
            .Where(c => c.ApplicationId == grantorId && c.IssuerId == granteeId && c.CallbackUrl != null)
            .ExecuteUpdateAsync(u => u.SetProperty(c => c.CallbackUrl, (string?)null), cancellationToken);
        var rules = await db.Rules
            .Where(r => r.ApplicationId == grantorId && r.CreatorId == granteeId && r.Status == RuleStatus.Active)
            .ExecuteUpdateAsync(u => u.SetProperty(r => r.Status, RuleStatus.Inactive), cancellationToken);
        // E-mails and SMS those rules already made go to the grantee's recipients: they are not sent either.
        await db.RuleMessages
            .Where(m => m.State == RuleMessageState.Pending
                && db.Rules.Any(r => r.Id == m.RuleId && r.ApplicationId == grantorId && r.CreatorId == granteeId))
            .ExecuteUpdateAsync(u => u
                .SetProperty(m => m.State, RuleMessageState.DeadLettered)
                .SetProperty(m => m.FinishedAt, now)
                .SetProperty(m => m.LastError, "The grant that let this application make the rule was revoked."), cancellationToken);
        await db.PushDeliveries
            .Where(d => d.ApplicationId == grantorId && d.RecipientId == granteeId && d.State == PushDeliveryState.Pending)
            .ExecuteUpdateAsync(u => u
                .SetProperty(d => d.State, PushDeliveryState.DeadLettered)
                .SetProperty(d => d.FinishedAt, now)
                .SetProperty(d => d.LastError, "The grant that let this application receive the push was revoked."), cancellationToken);
        return $"{subscriptions} subscriptions removed, {commands} command callbacks and {rules} rules stopped";
    }

    /// <summary>The grant list: whom <paramref name="applicationId"/> lets in.</summary>
    public Task<Outcome<List<GrantView>>> GrantedAsync(Guid ownerId, string applicationId, CancellationToken cancellationToken) =>
        ListAsync(ownerId, applicationId, g => g.GrantorId == applicationId, cancellationToken);

    /// <summary>The accept list: who lets <paramref name="applicationId"/> in.</summary>
    public Task<Outcome<List<GrantView>>> AcceptedAsync(Guid ownerId, string applicationId, CancellationToken cancellationToken) =>
        ListAsync(ownerId, applicationId, g => g.GranteeId == applicationId, cancellationToken);

    /// <summary>
    /// The application that lets <paramref name="granteeId"/> (owned by <paramref name="ownerId"/>) see its devices,
    /// while a grant of either level holds.
    /// </summary>
    public async Task<Outcome<Application>> GrantorAsync(Guid ownerId, string granteeId, string grantorId, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var grantor = await db.ApplicationGrants.AsNoTracking()
            .Where(g => g.GrantorId == grantorId && g.GranteeId == granteeId && (g.ExpiresAt == null || g.ExpiresAt > now))
            .Where(g => db.Applications.Any(a => a.Id == granteeId && a.OwnerId == ownerId))
            .Join(db.Applications, g => g.GrantorId, a => a.Id, (_, a) => a)
            .SingleOrDefaultAsync(cancellationToken);
        return grantor is null ? new Missing("Grant") : grantor;
    }

    private async Task<Outcome<List<GrantView>>> ListAsync(
        Guid ownerId, string applicationId, System.Linq.Expressions.Expression<Func<ApplicationGrant, bool>> side, CancellationToken cancellationToken)
    {
        if (!await db.Applications.AnyAsync(a => a.Id == applicationId && a.OwnerId == ownerId, cancellationToken))
        {
            return new Missing("Application");
        }
        var rows = await db.ApplicationGrants.AsNoTracking().Where(side)
            .Join(db.Applications, g => g.GrantorId, a => a.Id, (g, grantor) => new { Grant = g, Grantor = grantor })
            .Join(db.Applications, x => x.Grant.GranteeId, a => a.Id, (x, grantee) => new
            {
                x.Grant, GrantorName = x.Grantor.Name, GrantorOwner = x.Grantor.OwnerId, GranteeName = grantee.Name, GranteeOwner = grantee.OwnerId,
            })
            .OrderBy(x => x.Grant.CreatedAt)
            .ToListAsync(cancellationToken);
        return rows.Select(r => new GrantView(
            r.Grant,
            r.GrantorOwner == ownerId || r.Grant.GranteeId == applicationId ? r.GrantorName : null,
            r.GranteeOwner == ownerId ? r.GranteeName : null)).ToList();
    }
}
