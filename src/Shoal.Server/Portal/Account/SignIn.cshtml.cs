using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Shoal.Server.Accounts;
using Shoal.Server.Common;

namespace Shoal.Server.Portal.Account;

internal sealed class SignInModel(Accounts.Accounts accounts) : PageModel
{
    [BindProperty]
    public string? Email { get; set; }

    [BindProperty]
    public string? Password { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? ReturnUrl { get; set; }

    /// <summary>Arrived here after setting a new password with a reset link.</summary>
    [BindProperty(SupportsGet = true)]
    public bool Reset { get; set; }

    public IActionResult OnGet() => User.Identity?.IsAuthenticated == true ? LocalRedirect(Target) : Page();

    public async Task<IActionResult> OnPostAsync(CancellationToken cancellationToken)
    {
        ModelState.ClearBindingErrors();
        var outcome = await accounts.AuthenticateAsync(Email, Password, HttpContext.Connection.RemoteIpAddress?.ToString(), cancellationToken);
        if (!outcome.Succeeded)
        {
            var failure = outcome.Failure!;
            Response.StatusCode = failure.Status;
            if (failure is Throttled throttled)
            {
                Response.Headers.RetryAfter = Math.Ceiling(throttled.RetryAfter.TotalSeconds).ToString("0");
            }
            failure.AddTo(ModelState);
            Password = null;
            return Page();
        }
        var scheme = CookieAuthenticationDefaults.AuthenticationScheme;
        await HttpContext.SignInAsync(scheme, UserPrincipal.For(outcome.Value!, scheme));
        return LocalRedirect(Target);
    }

    private string Target => Url.IsLocalUrl(ReturnUrl) && ReturnUrl != "/" ? ReturnUrl : "/applications";
}
