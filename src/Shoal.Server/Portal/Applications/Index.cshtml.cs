using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Shoal.Server.Applications;
using Shoal.Server.Audit;
using Shoal.Server.Common;
using Shoal.Storage.Entities;

namespace Shoal.Server.Portal.Applications;

internal sealed class IndexModel(Server.Applications.Applications applications) : PageModel
{
    public Paged<Application> Applications { get; private set; } = null!;

    public ApplicationUsage Usage { get; private set; } = null!;

    [BindProperty(SupportsGet = true)]
    public string? Deleted { get; set; }

    /// <summary>The domain's own words for a reached quota, so the list and a refused creation say the same.</summary>
    public string QuotaMessage => Usage.Refusal.Message();

    public async Task OnGetAsync([FromQuery(Name = "page")] int? page, CancellationToken cancellationToken)
    {
        var owner = Actor.From(HttpContext).RequiredId;
        Applications = await applications.ListAsync(owner, page, null, cancellationToken);
        Usage = await applications.UsageAsync(owner, cancellationToken);
    }
}
