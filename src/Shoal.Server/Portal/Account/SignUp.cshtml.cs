using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Shoal.Server.Accounts;

namespace Shoal.Server.Portal.Account;

internal sealed class SignUpModel(Accounts.Accounts accounts) : PageModel
{
    [BindProperty]
    public string? Email { get; set; }

    [BindProperty]
    public string? DisplayName { get; set; }

    [BindProperty]
    public string? Password { get; set; }

    [BindProperty]
    public bool AcceptTerms { get; set; }

    /// <summary>The token of an invitation link: it lets its address sign up while sign-up is closed.</summary>
    [BindProperty(SupportsGet = true)]
    public string? Invitation { get; set; }

    /// <summary>Whether the form is shown: sign-up is open, or the visitor came with an invitation.</summary>
    public bool Open { get; private set; } = true;

    public async Task<IActionResult> OnGetAsync(CancellationToken cancellationToken)
    {
        if (User.Identity?.IsAuthenticated == true)
        {
            return Redirect("/applications");
        }
        Open = !string.IsNullOrEmpty(Invitation) || await accounts.SignUpOpenAsync(cancellationToken);
        return Page();
    }

    public async Task<IActionResult> OnPostAsync(CancellationToken cancellationToken)
    {
        ModelState.ClearBindingErrors();
        var outcome = await accounts.SignUpAsync(
            new SignUp(Email, Password, DisplayName, AcceptTerms, Invitation), HttpContext.Connection.RemoteIpAddress?.ToString(), cancellationToken);
        if (!outcome.Succeeded)
        {
            outcome.Failure!.AddTo(ModelState);
            Password = null;
            return Page();
        }
        var scheme = CookieAuthenticationDefaults.AuthenticationScheme;
        await HttpContext.SignInAsync(scheme, UserPrincipal.For(outcome.Value!, scheme));
        return Redirect("/applications");
    }
}
