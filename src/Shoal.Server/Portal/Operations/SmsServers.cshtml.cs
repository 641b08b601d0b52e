using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Shoal.Server.Audit;
using Shoal.Server.MessageServers;
using Shoal.Storage.Entities;

namespace Shoal.Server.Portal.Operations;

internal sealed class SmsServersModel(MessageServerRegistry registry) : PageModel
{
    public IReadOnlyList<SmsServer> Servers { get; private set; } = [];

    [BindProperty(SupportsGet = true)]
    public string? Deleted { get; set; }

    public async Task OnGetAsync(CancellationToken cancellationToken) => Servers = await registry.SmsServersAsync(cancellationToken);

    public async Task<IActionResult> OnPostDeleteAsync(Guid serverId, CancellationToken cancellationToken) =>
        await registry.DeleteSmsServerAsync(Actor.From(HttpContext), serverId, cancellationToken)
            ? Redirect("/operations/sms-servers?deleted=true")
            : NotFound();
}
