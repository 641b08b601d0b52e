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

    [BindProperty(SupportsGet = true, Name = "page")]
    public int? PageNumber { get; set; }

    public Paged<OperatorApplicationResponse> Applications { get; private set; } = null!;

    public Pager Pager => Pager.Of(Applications, new Dictionary<string, string?> { ["search"] = Search });

    public async Task OnGetAsync(CancellationToken cancellationToken) =>
        Applications = await console.ApplicationsAsync(Search, PageNumber, null, cancellationToken);

    public Task<IActionResult> OnPostFreezeAsync(string applicationId, CancellationToken cancellationToken) =>
        ActAsync(console.FreezeApplicationAsync(Actor.From(HttpContext), applicationId, true, cancellationToken), cancellationToken);

    public Task<IActionResult> OnPostUnfreezeAsync(string applicationId, CancellationToken cancellationToken) =>
        ActAsync(console.FreezeApplicationAsync(Actor.From(HttpContext), applicationId, false, cancellationToken), cancellationToken);

    private async Task<IActionResult> ActAsync(Task<Outcome<Application>> action, CancellationToken cancellationToken)
    {
        var outcome = await action;
        if (outcome.Succeeded)
        {
            return Redirect("/operations/applications" + Pager.Query(new Dictionary<string, string?> { ["search"] = Search }, PageNumber ?? 1));
        }
        outcome.Failure!.AddTo(ModelState);
        Response.StatusCode = outcome.Failure!.Status;
        await OnGetAsync(cancellationToken);
        return Page();
    }
}
