using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Shoal.Server.Audit;
using Shoal.Server.Common;
using Shoal.Storage.Entities;

namespace Shoal.Server.Portal.Applications;

internal sealed class AuditModel(Server.Applications.Applications applications, DeviceNames deviceNames) : PageModel
{
    public Application Application { get; private set; } = null!;

    public Paged<AuditEntry> Entries { get; private set; } = null!;

    public IReadOnlyDictionary<string, string> DeviceNames { get; private set; } = Portal.DeviceNames.None;

    public async Task<IActionResult> OnGetAsync(string id, [FromQuery(Name = "page")] int? page, CancellationToken cancellationToken)
    {
        var owner = Actor.From(HttpContext).RequiredId;
        var application = await applications.FindAsync(owner, id, cancellationToken);
        var entries = await applications.AuditAsync(owner, id, page, null, cancellationToken);
        if (application is null || !entries.Succeeded)
        {
            return NotFound();
        }
        Application = application;
        Entries = entries.Value!;
        DeviceNames = await deviceNames.OfAsync(id, Portal.DeviceNames.IdsIn(Entries.Items.Select(e => e.Detail)), cancellationToken);
        return Page();
    }
}
