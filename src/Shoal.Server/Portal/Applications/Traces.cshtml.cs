using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Shoal.Server.Audit;
using Shoal.Server.Common;
using Shoal.Server.Tracing;
using Shoal.Storage.Entities;

namespace Shoal.Server.Portal.Applications;

internal sealed class TracesModel(Server.Applications.Applications applications, TraceSessions sessions, DeviceNames deviceNames) : PageModel
{
    public Application Application { get; private set; } = null!;

    public Paged<TraceResponse> Traces { get; private set; } = null!;

    public IReadOnlyDictionary<string, string> DeviceNames { get; private set; } = Portal.DeviceNames.None;

    public async Task<IActionResult> OnGetAsync(string id, [FromQuery(Name = "page")] int? page, CancellationToken cancellationToken)
    {
        var owner = Actor.From(HttpContext).RequiredId;
        var application = await applications.FindAsync(owner, id, cancellationToken);
        var traces = await sessions.OwnerListAsync(owner, id, page, null, cancellationToken);
        if (application is null || traces is null)
        {
            return NotFound();
        }
        Application = application;
        Traces = new Paged<TraceResponse>([.. traces.Items.Select(sessions.ToResponse)], traces.Page, traces.PageSize, traces.TotalCount);
        DeviceNames = await deviceNames.OfAsync(id, Traces.Items.SelectMany(t => t.DeviceIds), cancellationToken);
        return Page();
    }
}
