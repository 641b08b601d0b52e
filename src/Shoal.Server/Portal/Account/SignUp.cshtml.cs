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

    public IActionResult OnGet() => User.Identity?.IsAuthenticated == true ? Redirect("/applications") : Page();

    public async Task<IActionResult> OnPostAsync(CancellationToken cancellationToken)
    {
        ModelState.ClearBindingErrors();
        var outcome = await accounts.SignUpAsync(
            new SignUp(Email, Password, DisplayName, AcceptTerms), HttpContext.Connection.RemoteIpAddress?.ToString(), cancellationToken);
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
