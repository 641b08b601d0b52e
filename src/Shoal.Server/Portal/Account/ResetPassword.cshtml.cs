using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Shoal.Server.Accounts;

namespace Shoal.Server.Portal.Account;

internal sealed class ResetPasswordModel(AccountLinks links, Accounts.Accounts accounts) : PageModel
{
    [BindProperty(SupportsGet = true)]
    public string? Token { get; set; }

    public void OnGet() => Response.Headers.CacheControl = "no-store";

    public async Task<IActionResult> OnPostAsync(string? newPassword, CancellationToken cancellationToken)
    {
        ModelState.ClearBindingErrors();
        var outcome = await links.ResetPasswordAsync(Token, newPassword, HttpContext.Connection.RemoteIpAddress?.ToString(), accounts, cancellationToken);
        if (outcome.Succeeded)
        {
            return Redirect("/account/sign-in?reset=true");
        }
        outcome.Failure!.AddTo(ModelState);
        Response.StatusCode = outcome.Failure!.Status;
        return Page();
    }
}
