using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Shoal.Server.Audit;
using Shoal.Server.Common;
using Shoal.Server.Operations;
using Shoal.Storage.Entities;

namespace Shoal.Server.Portal.Operations;

internal sealed class ApplicationsModel(OperatorConsole console) : PageModel
{
    [BindProperty(SupportsGet = true)]
    public string? Search { get; set; }

    /// <summary>Read from the query by hand: Razor Pages keeps the page's own name in the route value "page".</summary>
    public int? PageNumber => int.TryParse(Request.Query["page"], out var number) ? number : null;

    /// <summary>The search and page to come back to after an action.</summary>
    public string ListQuery => Pager.Query(new Dictionary<string, string?> { ["search"] = Search }, PageNumber ?? 1);

    /// <summary>The action that just succeeded, named in the query after the redirect.</summary>
    [BindProperty(SupportsGet = true)]
    public string? Done { get; set; }

    public string? DoneMessage => Done switch
    {
        "frozen" => "Application frozen: NA logins, device connections and pushes are refused until you unfreeze it. Its owner sees it in the audit log.",
        "unfrozen" => "Application unfrozen: it works again.",
        _ => null,
    };

    public Paged<OperatorApplicationResponse> Applications { get; private set; } = null!;

    public Pager Pager => Pager.Of(Applications, new Dictionary<string, string?> { ["search"] = Search });

    public async Task OnGetAsync(CancellationToken cancellationToken) =>
        Applications = await console.ApplicationsAsync(Search, PageNumber, null, cancellationToken);

    public Task<IActionResult> OnPostFreezeAsync(string applicationId, CancellationToken cancellationToken) =>
        ActAsync("frozen", console.FreezeApplicationAsync(Actor.From(HttpContext), applicationId, true, cancellationToken), cancellationToken);

    public Task<IActionResult> OnPostUnfreezeAsync(string applicationId, CancellationToken cancellationToken) =>
        ActAsync("unfrozen", console.FreezeApplicationAsync(Actor.From(HttpContext), applicationId, false, cancellationToken), cancellationToken);

    private async Task<IActionResult> ActAsync(string done, Task<Outcome<Application>> action, CancellationToken cancellationToken)
    {
        var outcome = await action;
        if (outcome.Succeeded)
        {
            return Redirect($"/operations/applications{ListQuery}&done={done}");
        }
        outcome.Failure!.AddTo(ModelState);
        Response.StatusCode = outcome.Failure!.Status;
        await OnGetAsync(cancellationToken);
        return Page();
    }
}
