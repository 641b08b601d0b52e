using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Shoal.Server.Audit;
using Shoal.Server.Operations;
using Shoal.Storage.Entities;

namespace Shoal.Server.Portal.Operations;

internal sealed class SettingsModel(OperatorConsole console) : PageModel
{
    [BindProperty]
    public int HistoryMaxDays { get; set; }

    [BindProperty]
    public int PushRetryWindowMinutes { get; set; }

    [BindProperty]
    public int TraceMaxDevicesPerOperator { get; set; }

    [BindProperty]
    public int TraceMaxMinutes { get; set; }

    [BindProperty]
    public int TraceRetentionHours { get; set; }

    [BindProperty]
    public bool SignUpOpen { get; set; }

    public PlatformSettings Current { get; private set; } = null!;

    [BindProperty(SupportsGet = true)]
    public bool Saved { get; set; }

    public async Task OnGetAsync(CancellationToken cancellationToken)
    {
        Current = await console.SettingsAsync(cancellationToken);
        (HistoryMaxDays, PushRetryWindowMinutes, TraceMaxDevicesPerOperator, TraceMaxMinutes, TraceRetentionHours) =
            (Current.HistoryMaxDays, Current.PushRetryWindowMinutes, Current.TraceMaxDevicesPerOperator, Current.TraceMaxMinutes, Current.TraceRetentionHours);
        SignUpOpen = Current.SignUpOpen;
    }

    public async Task<IActionResult> OnPostAsync(CancellationToken cancellationToken)
    {
        ModelState.ClearBindingErrors();
        var request = new PlatformSettingsRequest(HistoryMaxDays, PushRetryWindowMinutes, TraceMaxDevicesPerOperator, TraceMaxMinutes, TraceRetentionHours, SignUpOpen);
        var outcome = await console.UpdateSettingsAsync(Actor.From(HttpContext), request, cancellationToken);
        if (outcome.Succeeded)
        {
            return Redirect("/operations/settings?saved=true");
        }
        outcome.Failure!.AddTo(ModelState);
        Response.StatusCode = outcome.Failure!.Status;
        Current = await console.SettingsAsync(cancellationToken);
        return Page();
    }
}
