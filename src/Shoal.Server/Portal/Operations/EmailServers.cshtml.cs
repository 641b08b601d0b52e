using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Shoal.Server.Audit;
using Shoal.Server.MessageServers;
using Shoal.Storage.Entities;

namespace Shoal.Server.Portal.Operations;

internal sealed class EmailServersModel(MessageServerRegistry registry) : PageModel
{
    public IReadOnlyList<EmailServer> Servers { get; private set; } = [];

    [BindProperty(SupportsGet = true)]
    public string? Deleted { get; set; }

    public async Task OnGetAsync(CancellationToken cancellationToken) => Servers = await registry.EmailServersAsync(cancellationToken);

    public async Task<IActionResult> OnPostDeleteAsync(Guid serverId, CancellationToken cancellationToken) =>
        await registry.DeleteEmailServerAsync(Actor.From(HttpContext), serverId, cancellationToken)
            ? Redirect("/operations/email-servers?deleted=true")
            : NotFound();
}
