using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Shoal.Server.Audit;

namespace Shoal.Server.Portal.Applications;

/// <summary>An application's icon, for its owner only; others get the same 404 as for an unknown application.</summary>
internal sealed class IconModel(Server.Applications.Applications applications) : PageModel
{
    public async Task<IActionResult> OnGetAsync(string id, CancellationToken cancellationToken)
    {
        var application = await applications.FindAsync(Actor.From(HttpContext).RequiredId, id, cancellationToken);
        if (application?.Icon is null || application.IconContentType is null)
        {
            return NotFound();
        }
        Response.Headers.CacheControl = "private, max-age=3600";
        Response.Headers.XContentTypeOptions = "nosniff";
        return File(application.Icon, application.IconContentType);
    }
}
