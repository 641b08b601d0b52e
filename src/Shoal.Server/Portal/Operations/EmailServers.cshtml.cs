using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Shoal.Server.Audit;
using Shoal.Server.Common;
using Shoal.Server.MessageServers;
using Shoal.Storage.Entities;

namespace Shoal.Server.Portal.Operations;

internal sealed class EmailServersModel(MessageServerRegistry registry, TestSends tests) : PageModel
{
    public IReadOnlyList<EmailServer> Servers { get; private set; } = [];

    [BindProperty(SupportsGet = true)]
    public string? Deleted { get; set; }

    /// <summary>What came of the test message just sent, if one was.</summary>
    public Outcome<TestSendResponse>? Tested { get; private set; }

    public async Task OnGetAsync(CancellationToken cancellationToken) => Servers = await registry.EmailServersAsync(cancellationToken);

    public async Task<IActionResult> OnPostDeleteAsync(Guid serverId, CancellationToken cancellationToken) =>
        await registry.DeleteEmailServerAsync(Actor.From(HttpContext), serverId, cancellationToken)
            ? Redirect("/operations/email-servers?deleted=true")
            : NotFound();

    public async Task<IActionResult> OnPostTestAsync(Guid serverId, string? to, CancellationToken cancellationToken)
    {
        Tested = await tests.EmailAsync(Actor.From(HttpContext), serverId, to, cancellationToken);
        if (Tested.Value.Failure is Missing)
        {
            return NotFound();
        }
        Servers = await registry.EmailServersAsync(cancellationToken);
        return Page();
    }
}
