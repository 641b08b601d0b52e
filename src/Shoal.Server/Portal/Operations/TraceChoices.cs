using Microsoft.EntityFrameworkCore;
using Shoal.Storage;
using Shoal.Storage.Tracing;

namespace Shoal.Server.Portal.Operations;

/// <summary>
/// What the "Start a trace" form offers: only applications whose tracing consent is valid now, and only their devices,
/// so the form never shows the operator a device that could not be traced.
/// </summary>
internal sealed class TraceChoices(ShoalDb db, TimeProvider time)
{
    public sealed record Choice(string Id, string Label);

    public async Task<List<Choice>> ApplicationsAsync(CancellationToken cancellationToken) =>
        await db.Applications.AsNoTracking().Where(TraceConsent.ValidAt(time.GetUtcNow()))
            .Join(db.Users, a => a.OwnerId, u => u.Id, (a, u) => new { a.Id, a.Name, u.Email })
            .OrderBy(a => a.Email).ThenBy(a => a.Name)
            .Select(a => new Choice(a.Id, $"{a.Name} ({a.Email})"))
            .ToListAsync(cancellationToken);

    /// <summary>The devices of <paramref name="applicationId"/> when it consents now; none otherwise.</summary>
    public async Task<List<Choice>> DevicesAsync(string applicationId, CancellationToken cancellationToken) =>
        await db.Devices.AsNoTracking()
            .Where(d => d.ApplicationId == applicationId)
            .Join(db.Applications.Where(TraceConsent.ValidAt(time.GetUtcNow())), d => d.ApplicationId, a => a.Id, (d, _) => d)
            .OrderBy(d => d.NodeId)
            .Select(d => new Choice(d.Id, d.Name == null ? d.NodeId : $"{d.Name} ({d.NodeId})"))
            .ToListAsync(cancellationToken);
}
