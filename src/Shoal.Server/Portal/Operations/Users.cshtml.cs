using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Shoal.Server.Audit;
using Shoal.Server.Common;
using Shoal.Server.Operations;
using Shoal.Storage.Entities;

namespace Shoal.Server.Portal.Operations;

internal sealed class UsersModel(OperatorConsole console) : PageModel
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

    public Guid CurrentUserId => Actor.From(HttpContext).RequiredId;

    public Pager Pager => Pager.Of(Users, new Dictionary<string, string?> { ["search"] = Search });

    public async Task OnGetAsync(CancellationToken cancellationToken) =>
        Users = await console.UsersAsync(Search, PageNumber, null, cancellationToken);

    public Task<IActionResult> OnPostQuotaAsync(Guid userId, int quota, CancellationToken cancellationToken) =>
        ActAsync(userId, console.SetQuotaAsync(Actor.From(HttpContext), userId, quota, cancellationToken), cancellationToken);

    public Task<IActionResult> OnPostFreezeAsync(Guid userId, CancellationToken cancellationToken) =>
        ActAsync(userId, console.FreezeUserAsync(Actor.From(HttpContext), userId, true, cancellationToken), cancellationToken);

    public Task<IActionResult> OnPostUnfreezeAsync(Guid userId, CancellationToken cancellationToken) =>
        ActAsync(userId, console.FreezeUserAsync(Actor.From(HttpContext), userId, false, cancellationToken), cancellationToken);

    private async Task<IActionResult> ActAsync(Guid userId, Task<Outcome<User>> action, CancellationToken cancellationToken)
    {
        ModelState.ClearBindingErrors();
        var outcome = await action;
        if (outcome.Succeeded)
        {
            return Redirect("/operations/users" + ListQuery);
        }
        outcome.Failure!.AddTo(ModelState);
        Response.StatusCode = outcome.Failure!.Status;
        FailedUserId = userId;
        await OnGetAsync(cancellationToken);
        return Page();
    }
}
