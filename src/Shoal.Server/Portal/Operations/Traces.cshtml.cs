using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Shoal.Server.Audit;
using Shoal.Server.Common;
using Shoal.Server.Operations;
using Shoal.Server.Tracing;

namespace Shoal.Server.Portal.Operations;

internal sealed class TracesModel(TraceSessions sessions, TraceChoices choices, OperatorConsole console, DeviceNames deviceNames) : PageModel
{
    /// <summary>The application chosen in the start form; its devices are offered once it is chosen.</summary>
    [BindProperty(SupportsGet = true)]
    public string? ApplicationId { get; set; }

    [BindProperty]
    public List<string> DeviceIds { get; set; } = [];

    [BindProperty]
    public int DurationMinutes { get; set; } = TraceSessions.DefaultMinutes;

    public int? PageNumber => int.TryParse(Request.Query["page"], out var number) ? number : null;

    public Paged<TraceSessions.View> Traces { get; private set; } = null!;

    public IReadOnlyDictionary<string, string> DeviceNames { get; private set; } = Portal.DeviceNames.None;

    public List<TraceChoices.Choice> Applications { get; private set; } = [];

    public List<TraceChoices.Choice> Devices { get; private set; } = [];

    public int MaxDevices { get; private set; }

    public int MaxMinutes { get; private set; }

    public Pager Pager => Pager.Of(Traces, new Dictionary<string, string?> { ["applicationId"] = ApplicationId });

    public TraceResponse Row(TraceSessions.View view) => sessions.ToResponse(view);

    public async Task OnGetAsync(CancellationToken cancellationToken)
    {
        Traces = await sessions.ListAsync(null, PageNumber, null, cancellationToken);
        DeviceNames = await deviceNames.OfAsync(null, Traces.Items.SelectMany(t => t.Session.DeviceIds), cancellationToken);
        Applications = await choices.ApplicationsAsync(cancellationToken);
        Devices = string.IsNullOrEmpty(ApplicationId) ? [] : await choices.DevicesAsync(ApplicationId, cancellationToken);
        var settings = await console.SettingsAsync(cancellationToken);
        (MaxDevices, MaxMinutes) = (settings.TraceMaxDevicesPerOperator, settings.TraceMaxMinutes);
        DurationMinutes = Math.Min(DurationMinutes, MaxMinutes);
    }

    public async Task<IActionResult> OnPostStartAsync(CancellationToken cancellationToken)
    {
        ModelState.ClearBindingErrors();
        var outcome = await sessions.StartAsync(Actor.From(HttpContext), new StartTraceRequest(ApplicationId, DeviceIds, DurationMinutes), cancellationToken);
        if (outcome.Succeeded)
        {
            return Redirect($"/operations/traces/{outcome.Value!.Session.Id}");
        }
        outcome.Failure!.AddTo(ModelState);
        Response.StatusCode = outcome.Failure!.Status;
        var duration = DurationMinutes;
        await OnGetAsync(cancellationToken);
        DurationMinutes = duration;
        return Page();
    }
}
