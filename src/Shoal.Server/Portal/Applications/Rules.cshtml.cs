using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Shoal.Server.Audit;
using Shoal.Server.Common;
using Shoal.Server.Rules;
using Shoal.Storage.Entities;

namespace Shoal.Server.Portal.Applications;

/// <summary>One rule's dead messages, as the Rules tab lists them.</summary>
internal sealed record DeadRuleMessages(RuleResponse Rule, IReadOnlyList<RuleMessage> Messages);

internal sealed class RulesModel(Server.Applications.Applications applications, RuleBook rules, DeviceNames deviceNames) : PageModel
{
    public Application Application { get; private set; } = null!;

    public IReadOnlyList<RuleResponse> Rules { get; private set; } = [];

    public IReadOnlyList<DeadRuleMessages> Dead { get; private set; } = [];

    public IReadOnlyDictionary<string, string> DeviceNames { get; private set; } = Portal.DeviceNames.None;

    /// <summary>What the last action did, in a sentence.</summary>
    public string? Done { get; private set; }

    public async Task<IActionResult> OnGetAsync(string id, string? saved, CancellationToken cancellationToken)
    {
        Done = saved is null ? null : $"Rule “{saved}” saved.";
        return await LoadAsync(id, cancellationToken) ? Page() : NotFound();
    }

    public async Task<IActionResult> OnPostStatusAsync(string id, string ruleId, string status, CancellationToken cancellationToken)
    {
        if (!await OwnsAsync(id, cancellationToken) || !(await rules.SetStatusAsync(id, ruleId, status, cancellationToken)).Succeeded)
        {
            return NotFound();
        }
        Done = status == "active" ? "Rule activated." : "Rule deactivated: it fires no more until you activate it.";
        return await LoadAsync(id, cancellationToken) ? Page() : NotFound();
    }

    public async Task<IActionResult> OnPostDeleteAsync(string id, string ruleId, CancellationToken cancellationToken)
    {
        if (!await OwnsAsync(id, cancellationToken) || !await rules.DeleteAsync(id, ruleId, cancellationToken))
        {
            return NotFound();
        }
        Done = "Rule deleted.";
        return await LoadAsync(id, cancellationToken) ? Page() : NotFound();
    }

    public async Task<IActionResult> OnPostReplayAsync(string id, string ruleId, long? messageId, CancellationToken cancellationToken)
    {
        var outcome = await OwnsAsync(id, cancellationToken)
            ? await rules.ReplayAsync(Actor.From(HttpContext), id, ruleId, messageId, cancellationToken)
            : new Missing("Rule");
        if (!outcome.Succeeded)
        {
            return NotFound();
        }
        Done = $"{outcome.Value} message(s) put back in line, with every attempt ahead of them.";
        return await LoadAsync(id, cancellationToken) ? Page() : NotFound();
    }

    private Task<bool> OwnsAsync(string id, CancellationToken cancellationToken) =>
        rules.OwnsAsync(Actor.From(HttpContext).RequiredId, id, cancellationToken);

    private async Task<bool> LoadAsync(string id, CancellationToken cancellationToken)
    {
        var application = await applications.FindAsync(Actor.From(HttpContext).RequiredId, id, cancellationToken);
        if (application is null)
        {
            return false;
        }
        Application = application;
        Rules = await rules.DescribeAsync(id, await rules.ListAsync(id, null, null, cancellationToken), cancellationToken);
        DeviceNames = await deviceNames.OfAsync(id, Rules.SelectMany(r => r.Conditions).Select(c => c.DeviceInfo?.DeviceId).OfType<string>(), cancellationToken);
        var dead = new List<DeadRuleMessages>();
        foreach (var rule in Rules.Where(r => r.DeadMessages > 0))
        {
            dead.Add(new DeadRuleMessages(rule, (await rules.DeadMessagesAsync(id, rule.RuleId, null, Paging.MaxPageSize, cancellationToken)).Value!.Items));
        }
        Dead = dead;
        return true;
    }
}
