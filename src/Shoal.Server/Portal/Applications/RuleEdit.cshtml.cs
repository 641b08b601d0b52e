using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using Shoal.Server.Audit;
using Shoal.Server.Rules;
using Shoal.Storage;
using Shoal.Storage.Entities;

namespace Shoal.Server.Portal.Applications;

/// <summary>A device the rule form offers.</summary>
internal sealed record DeviceChoice(string Id, string Label);

/// <summary>Creates a rule, or edits one, through a form; the same validation as the APIs names each wrong field beside it.</summary>
internal sealed class RuleEditModel(Server.Applications.Applications applications, RuleBook rules, ShoalDb db) : PageModel
{
    private const int MaxChoices = 500;

    [BindProperty]
    public RuleInput Input { get; set; } = new();

    public Application Application { get; private set; } = null!;

    public string? RuleId { get; private set; }

    public IReadOnlyList<DeviceChoice> Devices { get; private set; } = [];

    /// <summary><c>serviceId/property</c> paths the application's devices have reported, offered while typing.</summary>
    public IReadOnlyList<string> Paths { get; private set; } = [];

    public async Task<IActionResult> OnGetAsync(string id, string? ruleId, CancellationToken cancellationToken)
    {
        if (!await LoadAsync(id, ruleId, cancellationToken))
        {
            return NotFound();
        }
        if (ruleId is not null)
        {
            var rule = await rules.FindAsync(id, ruleId, cancellationToken);
            if (rule is null)
            {
                return NotFound();
            }
            Input = RuleInput.From(await rules.DescribeAsync(rule, cancellationToken));
        }
        return Page();
    }

    public async Task<IActionResult> OnPostAsync(string id, string? ruleId, CancellationToken cancellationToken)
    {
        ModelState.ClearBindingErrors();
        if (!await LoadAsync(id, ruleId, cancellationToken))
        {
            return NotFound();
        }
        var author = ruleId is null ? null : (await rules.FindAsync(id, ruleId, cancellationToken))?.Author;
        var outcome = await rules.SaveAsync(id, ruleId, Input.ToRequest(author), cancellationToken);
        if (!outcome.Succeeded)
        {
            outcome.Failure!.AddTo(ModelState);
            Response.StatusCode = outcome.Failure!.Status;
            return Page();
        }
        return Redirect($"/applications/{id}/rules?saved={Uri.EscapeDataString(outcome.Value!.Name)}");
    }

    public Task<IActionResult> OnPostAddConditionAsync(string id, string? ruleId, CancellationToken cancellationToken) =>
        ChangeRowsAsync(id, ruleId, () => Input.Conditions.Add(new ConditionInput()), cancellationToken);

    public Task<IActionResult> OnPostRemoveConditionAsync(string id, string? ruleId, int index, CancellationToken cancellationToken) =>
        ChangeRowsAsync(id, ruleId, () => Remove(Input.Conditions, index), cancellationToken);

    public Task<IActionResult> OnPostAddActionAsync(string id, string? ruleId, CancellationToken cancellationToken) =>
        ChangeRowsAsync(id, ruleId, () => Input.Actions.Add(new ActionInput()), cancellationToken);

    public Task<IActionResult> OnPostRemoveActionAsync(string id, string? ruleId, int index, CancellationToken cancellationToken) =>
        ChangeRowsAsync(id, ruleId, () => Remove(Input.Actions, index), cancellationToken);

    /// <summary>Adds or removes a row and shows the form again as it was typed, saving nothing.</summary>
    private async Task<IActionResult> ChangeRowsAsync(string id, string? ruleId, Action change, CancellationToken cancellationToken)
    {
        ModelState.ClearBindingErrors();
        if (!await LoadAsync(id, ruleId, cancellationToken))
        {
            return NotFound();
        }
        change();
        return Page();
    }

    private static void Remove<T>(List<T> rows, int index)
    {
        if (rows.Count > 1 && index >= 0 && index < rows.Count)
        {
            rows.RemoveAt(index);
        }
    }

    private async Task<bool> LoadAsync(string id, string? ruleId, CancellationToken cancellationToken)
    {
        var application = await applications.FindAsync(Actor.From(HttpContext).RequiredId, id, cancellationToken);
        if (application is null)
        {
            return false;
        }
        Application = application;
        RuleId = ruleId;
        Devices = await db.Devices.AsNoTracking().Where(d => d.ApplicationId == id).OrderBy(d => d.Name ?? d.NodeId).Take(MaxChoices)
            .Select(d => new DeviceChoice(d.Id, d.Name != null ? d.Name + " (" + d.NodeId + ")" : d.NodeId))
            .ToListAsync(cancellationToken);
        var reported = await db.DeviceServiceStates.AsNoTracking()
            .Where(s => db.Devices.Any(d => d.Id == s.DeviceId && d.ApplicationId == id))
            .OrderByDescending(s => s.EventTime).Take(MaxChoices)
            .Select(s => new { s.ServiceId, s.Data }).ToListAsync(cancellationToken);
        Paths = [.. reported
            .SelectMany(s => JsonNode.Parse(s.Data) is JsonObject data ? data.Select(p => $"{s.ServiceId}/{p.Key}") : [])
            .Distinct().Order(StringComparer.Ordinal)];
        return true;
    }
}
