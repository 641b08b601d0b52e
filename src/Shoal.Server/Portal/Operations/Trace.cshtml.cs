using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Shoal.Server.Audit;
using Shoal.Server.Common;
using Shoal.Server.Tracing;
using Shoal.Storage.Entities;

namespace Shoal.Server.Portal.Operations;

internal sealed class TraceModel(TraceSessions sessions, TraceFlows flows, DeviceNames deviceNames) : PageModel
{
    public static readonly IReadOnlyList<string> StepNames = [.. Enum.GetValues<TraceStep>().Select(TraceMapping.Name)];

    [BindProperty(SupportsGet = true)]
    public string? DeviceId { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? Step { get; set; }

    /// <summary>"succeeded", "failed" or empty for both.</summary>
    [BindProperty(SupportsGet = true)]
    public string? Status { get; set; }

    [BindProperty(SupportsGet = true)]
    public DateTime? From { get; set; }

    [BindProperty(SupportsGet = true)]
    public DateTime? To { get; set; }

    public int? PageNumber => int.TryParse(Request.Query["page"], out var number) ? number : null;

    public TraceResponse? Trace { get; private set; }

    /// <summary>Why the trace cannot be read, when its application has withdrawn the authorization.</summary>
    public string? Refusal { get; private set; }

    public Paged<TraceFlowResponse> Flows { get; private set; } = null!;

    public IReadOnlyDictionary<string, string> DeviceNames { get; private set; } = Portal.DeviceNames.None;

    /// <summary>The filters as this page's query values, for the pager.</summary>
    public Dictionary<string, string?> Filters => new()
    {
        ["deviceId"] = DeviceId, ["step"] = Step, ["status"] = Status,
        ["from"] = From is null ? null : Display.LocalInput(From), ["to"] = To is null ? null : Display.LocalInput(To),
    };

    /// <summary>The API's export of the flows this page shows, with the same filters.</summary>
    public string ExportLink(string format)
    {
        var filters = new Dictionary<string, string?>
        {
            ["deviceId"] = DeviceId, ["step"] = Step, ["status"] = Status,
            ["from"] = From is { } from ? Display.Iso(Utc(from)) : null, ["to"] = To is { } to ? Display.Iso(Utc(to)) : null,
        };
        return $"/api/v1/operator/traces/{Trace!.Id}/export?format={format}"
            + string.Concat(filters.Where(f => !string.IsNullOrEmpty(f.Value)).Select(f => $"&{f.Key}={Uri.EscapeDataString(f.Value!)}"));
    }

    public async Task<IActionResult> OnGetAsync(string id, CancellationToken cancellationToken)
    {
        var access = await sessions.AccessAsync(id, cancellationToken);
        if (!access.Succeeded)
        {
            return Refuse(access.Failure!);
        }
        Trace = sessions.ToResponse(access.Value!);
        DeviceNames = await deviceNames.OfAsync(Trace.ApplicationId, Trace.DeviceIds, cancellationToken);
        var filter = new TraceFilter(
            string.IsNullOrEmpty(DeviceId) ? null : DeviceId,
            Enum.TryParse<TraceStep>(Step, ignoreCase: true, out var step) && StepNames.Contains(Step) ? step : null,
            Status switch { "succeeded" => true, "failed" => false, _ => null },
            From is { } from ? Utc(from) : null,
            To is { } to ? Utc(to) : null);
        Flows = await flows.PageAsync(id, filter, PageNumber, null, cancellationToken);
        return Page();
    }

    public async Task<IActionResult> OnPostStopAsync(string id, CancellationToken cancellationToken)
    {
        var outcome = await sessions.StopAsync(Actor.From(HttpContext), id, cancellationToken);
        if (outcome.Succeeded)
        {
            return Redirect($"/operations/traces/{id}");
        }
        var failure = outcome.Failure!;
        if (failure is Missing or Refused { Code: StatusCodes.Status403Forbidden })
        {
            return Refuse(failure);
        }
        failure.AddTo(ModelState);
        Response.StatusCode = failure.Status;
        return await OnGetAsync(id, cancellationToken);
    }

    private IActionResult Refuse(Failure failure)
    {
        if (failure is Missing)
        {
            return NotFound();
        }
        Refusal = failure.Message();
        Response.StatusCode = failure.Status;
        return Page();
    }

    private static DateTimeOffset Utc(DateTime value) => new(DateTime.SpecifyKind(value, DateTimeKind.Utc));
}
