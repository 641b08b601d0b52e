using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using Shoal.Server.Accounts;
using Shoal.Server.Audit;
using Shoal.Server.Common;
using Shoal.Storage;
using Shoal.Storage.Entities;

namespace Shoal.Server.Portal.Account;

internal sealed class ProfileModel(Accounts.Accounts accounts, ShoalDb db) : PageModel
{
    [BindProperty]
    public string? DisplayName { get; set; }

    [BindProperty]
    public string? Email { get; set; }

    /// <summary>Which form failed, so its errors show beside it alone.</summary>
    public string? Form { get; private set; }

    [BindProperty(SupportsGet = true)]
    public string? Done { get; set; }

    public string? DoneMessage => Done switch
    {
        "profile" => "Profile saved.",
        "password" => "Password changed. Your other portal sessions are signed out.",
        _ => null,
    };

    public async Task OnGetAsync(CancellationToken cancellationToken)
    {
        var id = Actor.From(HttpContext).RequiredId;
        var user = await db.Users.AsNoTracking().SingleAsync(u => u.Id == id, cancellationToken);
        (DisplayName, Email) = (user.DisplayName, user.Email);
    }

    public async Task<IActionResult> OnPostProfileAsync(string? currentPassword, CancellationToken cancellationToken) =>
        await DoneOrPageAsync("profile",
            await accounts.UpdateProfileAsync(Actor.From(HttpContext), new ProfileChange(DisplayName, Email, currentPassword), cancellationToken));

    public async Task<IActionResult> OnPostPasswordAsync(string? currentPassword, string? newPassword, CancellationToken cancellationToken) =>
        await DoneOrPageAsync("password", await accounts.ChangePasswordAsync(Actor.From(HttpContext), currentPassword, newPassword, cancellationToken));

    private async Task<IActionResult> DoneOrPageAsync(string form, Outcome<User> outcome)
    {
        ModelState.ClearBindingErrors();
        if (outcome.Succeeded)
        {
            await AccountEndpoints.RenewCookieSessionAsync(HttpContext, outcome.Value!);
            return Redirect($"/account/profile?done={form}");
        }
        Form = form;
        outcome.Failure!.AddTo(ModelState);
        Response.StatusCode = outcome.Failure!.Status;
        return Page();
    }
}
