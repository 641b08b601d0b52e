using Shoal.Storage;
using Shoal.Storage.Entities;

namespace Shoal.Server.Audit;

/// <summary>Adds audit entries to the unit of work that makes the change, so both commit or neither does.</summary>
internal sealed class AuditLog(TimeProvider time)
{
    public void Record(ShoalDb db, Actor actor, Guid subjectUserId, string action, string? applicationId = null, string? detail = null)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(actor);
        db.AuditEntries.Add(new AuditEntry
        {
            ApplicationId = applicationId,
            SubjectUserId = subjectUserId,
            ActorId = actor.Id,
            Actor = actor.IsOperator && actor.Id != subjectUserId ? $"{actor.Name} (operator)" : actor.Name,
            Action = action,
            Detail = detail is { Length: > 4096 } ? detail[..4096] : detail,
            Address = actor.Address,
            At = time.GetUtcNow(),
        });
    }
}
