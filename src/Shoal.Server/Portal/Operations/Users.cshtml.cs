using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Shoal.Server.Accounts;
using Shoal.Server.Audit;
using Shoal.Server.Common;
using Shoal.Server.Operations;
using Shoal.Storage.Entities;

namespace Shoal.Server.Portal.Operations;

internal sealed class UsersModel(OperatorConsole console, AccountLinks links) : PageModel
{
    [BindProperty(SupportsGet = true)]
    public string? Search { get; set; }

    /// <summary>Read from the query by hand: Razor Pages keeps the page's own name in the route value "page".</summary>
    public int? PageNumber => int.TryParse(Request.Query["page"], out var number) ? number : null;

    /// <summary>The search and page to come back to after an action.</summary>
    public string ListQuery => Pager.Query(new Dictionary<string, string?> { ["search"] = Search }, PageNumber ?? 1);

    public Paged<OperatorUserResponse> Users { get; private set; } = null!;

    /// <summary>The row whose action failed, so its message shows beside it.</summary>
    public Guid? FailedUserId { get; private set; }

    /// <summary>The action that just succeeded, named in the query after the redirect.</summary>
    [BindProperty(SupportsGet = true)]
    public string? Done { get; set; }

    public string? DoneMessage => Done switch
    {
        "quota" => "Quota saved. The change is in the user's audit log.",
        "frozen" => "User frozen: they are signed out and their API tokens stop working until you unfreeze them.",
        "unfrozen" => "User unfrozen: they can sign in again.",
        "reset" => "A link to choose a new password is on its way to the user. It works once, for a limited time.",
        _ => null,
    };

    public Guid CurrentUserId => Actor.From(HttpContext).RequiredId;

    public Pager Pager => Pager.Of(Users, new Dictionary<string, string?> { ["search"] = Search });

    public async Task OnGetAsync(CancellationToken cancellationToken) =>
        Users = await console.UsersAsync(Search, PageNumber, null, cancellationToken);

    public Task<IActionResult> OnPostQuotaAsync(Guid userId, int quota, CancellationToken cancellationToken) =>
        ActAsync(userId, "quota", console.SetQuotaAsync(Actor.From(HttpContext), userId, quota, cancellationToken), cancellationToken);

    public Task<IActionResult> OnPostFreezeAsync(Guid userId, CancellationToken cancellationToken) =>
        ActAsync(userId, "frozen", console.FreezeUserAsync(Actor.From(HttpContext), userId, true, cancellationToken), cancellationToken);

    public Task<IActionResult> OnPostUnfreezeAsync(Guid userId, CancellationToken cancellationToken) =>
        ActAsync(userId, "unfrozen", console.FreezeUserAsync(Actor.From(HttpContext), userId, false, cancellationToken), cancellationToken);

    public async Task<IActionResult> OnPostResetPasswordAsync(Guid userId, CancellationToken cancellationToken)
    {
        if (await links.SendResetForOperatorAsync(Actor.From(HttpContext), userId, cancellationToken) is { } failure)
        {
            return await ActAsync(userId, "reset", Task.FromResult<Outcome<User>>(failure), cancellationToken);
        }
        return Redirect($"/operations/users{ListQuery}&done=reset");
    }

    private async Task<IActionResult> ActAsync(Guid userId, string done, Task<Outcome<User>> action, CancellationToken cancellationToken)
    {
        ModelState.ClearBindingErrors();
        var outcome = await action;
        if (outcome.Succeeded)
        {
            return Redirect($"/operations/users{ListQuery}&done={done}");
        }
        outcome.Failure!.AddTo(ModelState);
        Response.StatusCode = outcome.Failure!.Status;
        FailedUserId = userId;
        await OnGetAsync(cancellationToken);
        return Page();
    }
}
