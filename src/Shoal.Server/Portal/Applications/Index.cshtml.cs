using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using Shoal.Server.Audit;
using Shoal.Server.Common;
using Shoal.Storage;
using Shoal.Storage.Entities;

namespace Shoal.Server.Portal.Applications;

internal sealed class IndexModel(Server.Applications.Applications applications, ShoalDb db) : PageModel
{
    public Paged<Application> Applications { get; private set; } = null!;

    public int Quota { get; private set; }

    [BindProperty(SupportsGet = true)]
    public string? Deleted { get; set; }

    public bool QuotaReached => Applications.TotalCount >= Quota;

    /// <summary>The domain's own words for a reached quota, so the list and a refused creation say the same.</summary>
    public string QuotaMessage => Server.Applications.Applications.QuotaReached(Quota) is var refused ? $"{refused.Title} {refused.Detail}" : "";

    public async Task OnGetAsync([FromQuery(Name = "page")] int? page, CancellationToken cancellationToken)
    {
        var owner = Actor.From(HttpContext).RequiredId;
        Applications = await applications.ListAsync(owner, page, null, cancellationToken);
        Quota = await db.Users.Where(u => u.Id == owner).Select(u => u.ApplicationQuota).SingleAsync(cancellationToken);
    }
}
