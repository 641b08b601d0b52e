using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Shoal.Server.Accounts;
using Shoal.Server.Audit;
using Shoal.Storage.Entities;

namespace Shoal.Server.Portal.Operations;

internal sealed class InvitationsModel(AccountLinks links) : PageModel
{
    [BindProperty]
    public string? Email { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? Sent { get; set; }

    public string? Done => Sent is { Length: > 0 } email ? $"Invitation sent to {email}." : null;

    public IReadOnlyList<AccountLink> Pending { get; private set; } = [];

    public async Task OnGetAsync(CancellationToken cancellationToken) => Pending = await links.PendingInvitationsAsync(cancellationToken);

    public async Task<IActionResult> OnPostInviteAsync(CancellationToken cancellationToken)
    {
        ModelState.ClearBindingErrors();
        var outcome = await links.InviteAsync(Actor.From(HttpContext), Email, cancellationToken);
        if (outcome.Succeeded)
        {
            return Redirect($"/operations/invitations?sent={Uri.EscapeDataString(outcome.Value!.Email)}");
        }
        outcome.Failure!.AddTo(ModelState);
        Response.StatusCode = outcome.Failure!.Status;
        await OnGetAsync(cancellationToken);
        return Page();
    }

    public async Task<IActionResult> OnPostWithdrawAsync(Guid id, CancellationToken cancellationToken) =>
        await links.WithdrawInvitationAsync(Actor.From(HttpContext), id, cancellationToken) ? Redirect("/operations/invitations") : NotFound();
}
