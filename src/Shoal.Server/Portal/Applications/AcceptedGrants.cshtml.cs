using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Shoal.Server.Audit;
using Shoal.Server.Grants;
using Shoal.Storage.Entities;

namespace Shoal.Server.Portal.Applications;

internal sealed class AcceptedGrantsModel(Server.Applications.Applications applications, Server.Grants.Grants grants, TimeProvider time) : PageModel
{
    public Application Application { get; private set; } = null!;

    public IReadOnlyList<GrantView> Accepted { get; private set; } = [];

    public DateTimeOffset Now => time.GetUtcNow();

    public async Task<IActionResult> OnGetAsync(string id, CancellationToken cancellationToken)
    {
        var owner = Actor.From(HttpContext).RequiredId;
        var application = await applications.FindAsync(owner, id, cancellationToken);
        var accepted = await grants.AcceptedAsync(owner, id, cancellationToken);
        if (application is null || !accepted.Succeeded)
        {
            return NotFound();
        }
        Application = application;
        Accepted = accepted.Value!;
        return Page();
    }
}
