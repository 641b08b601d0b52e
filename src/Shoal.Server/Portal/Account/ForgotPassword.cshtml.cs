using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Shoal.Delivery.Mail;
using Shoal.Server.Accounts;
using Shoal.Storage;

namespace Shoal.Server.Portal.Account;

internal sealed class ForgotPasswordModel(AccountLinks links, ShoalDb db) : PageModel
{
    [BindProperty]
    public string? Email { get; set; }

    [BindProperty(SupportsGet = true)]
    public bool Sent { get; set; }

    public bool MailAvailable { get; private set; }

    public async Task OnGetAsync(CancellationToken cancellationToken) => MailAvailable = await PlatformMail.CanSendAsync(db, cancellationToken);

    public async Task<IActionResult> OnPostAsync(CancellationToken cancellationToken)
    {
        ModelState.ClearBindingErrors();
        if (await links.RequestResetAsync(Email, HttpContext.Connection.RemoteIpAddress?.ToString(), cancellationToken) is { } failure)
        {
            failure.AddTo(ModelState);
            Response.StatusCode = failure.Status;
            MailAvailable = true;
            return Page();
        }
        return Redirect("/account/forgot-password?sent=true");
    }
}
