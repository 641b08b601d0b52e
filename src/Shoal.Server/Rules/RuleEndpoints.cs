using Microsoft.AspNetCore.Http.HttpResults;
using Shoal.Server.Applications;
using Shoal.Server.Audit;
using Shoal.Server.Common;

namespace Shoal.Server.Rules;

/// <summary>The owner's rules of an application on the management API.</summary>
internal static class RuleEndpoints
{
    public static IEndpointRouteBuilder MapRules(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/applications/{id}/rules").WithTags("Rules");
        group.MapGet("/", List).WithName("ListRules").WithSummary("The application's rules, with when each last fired and sent and its failures.");
        group.MapPost("/", Create).WithName("CreateRule").WithSummary("Adds a rule: conditions on device data or status, and e-mail, SMS or ruleEvent actions.");
        group.MapGet("/{ruleId}", Get).WithName("GetRule").WithSummary("One rule.");
        group.MapPut("/{ruleId}", Update).WithName("UpdateRule").WithSummary("Replaces a rule's definition.");
        group.MapPut("/{ruleId}/status", SetStatus).WithName("SetRuleStatus").WithSummary("Makes a rule active or inactive.");
        group.MapDelete("/{ruleId}", Delete).WithName("DeleteRule").WithSummary("Deletes a rule.");
        group.MapGet("/{ruleId}/dead-messages", DeadMessages).WithName("ListDeadRuleMessages")
            .WithSummary("The rule's e-mails and SMS that were given up after their last attempt, newest first.");
        group.MapPost("/{ruleId}/dead-messages/replay", ReplayAll).WithName("ReplayDeadRuleMessages")
            .WithSummary("Tries every dead message of the rule again, with all its attempts ahead of it.");
        group.MapPost("/{ruleId}/dead-messages/{messageId:long}/replay", Replay).WithName("ReplayDeadRuleMessage")
            .WithSummary("Tries one dead message of the rule again, with all its attempts ahead of it.");
        return routes;
    }

    private static async Task<Results<Ok<RuleResponse[]>, ProblemHttpResult>> List(
        HttpContext http, RuleBook rules, string id, string? name, string? author, CancellationToken cancellationToken)
    {
        if (!await rules.OwnsAsync(Actor.From(http).RequiredId, id, cancellationToken))
        {
            return new Missing("Application").ToProblem();
        }
        return TypedResults.Ok(await rules.DescribeAsync(id, await rules.ListAsync(id, name, author, cancellationToken), cancellationToken));
    }

    private static async Task<Results<Created<RuleResponse>, ProblemHttpResult>> Create(
        HttpContext http, RuleBook rules, string id, RuleRequest request, CancellationToken cancellationToken)
    {
        if (!await rules.OwnsAsync(Actor.From(http).RequiredId, id, cancellationToken))
        {
            return new Missing("Application").ToProblem();
        }
        var outcome = await rules.SaveAsync(id, null, request, cancellationToken);
        return outcome.Succeeded
            ? TypedResults.Created($"/api/v1/applications/{id}/rules/{outcome.Value!.Id}", await rules.DescribeAsync(outcome.Value, cancellationToken))
            : outcome.Failure!.ToProblem();
    }

    private static async Task<Results<Ok<RuleResponse>, ProblemHttpResult>> Get(
        HttpContext http, RuleBook rules, string id, string ruleId, CancellationToken cancellationToken)
    {
        var rule = await rules.OwnsAsync(Actor.From(http).RequiredId, id, cancellationToken) ? await rules.FindAsync(id, ruleId, cancellationToken) : null;
        return rule is null ? new Missing("Rule").ToProblem() : TypedResults.Ok(await rules.DescribeAsync(rule, cancellationToken));
    }

    private static async Task<Results<Ok<RuleResponse>, ProblemHttpResult>> Update(
        HttpContext http, RuleBook rules, string id, string ruleId, RuleRequest request, CancellationToken cancellationToken)
    {
        if (!await rules.OwnsAsync(Actor.From(http).RequiredId, id, cancellationToken))
        {
            return new Missing("Application").ToProblem();
        }
        var outcome = await rules.SaveAsync(id, ruleId, request, cancellationToken);
        return outcome.Succeeded ? TypedResults.Ok(await rules.DescribeAsync(outcome.Value!, cancellationToken)) : outcome.Failure!.ToProblem();
    }

    private static async Task<Results<Ok<RuleResponse>, ProblemHttpResult>> SetStatus(
        HttpContext http, RuleBook rules, string id, string ruleId, RuleStatusRequest request, CancellationToken cancellationToken)
    {
        if (!await rules.OwnsAsync(Actor.From(http).RequiredId, id, cancellationToken))
        {
            return new Missing("Application").ToProblem();
        }
        var outcome = await rules.SetStatusAsync(id, ruleId, request.Status, cancellationToken);
        return outcome.Succeeded ? TypedResults.Ok(await rules.DescribeAsync(outcome.Value!, cancellationToken)) : outcome.Failure!.ToProblem();
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> Delete(
        HttpContext http, RuleBook rules, string id, string ruleId, CancellationToken cancellationToken) =>
        await rules.OwnsAsync(Actor.From(http).RequiredId, id, cancellationToken) && await rules.DeleteAsync(id, ruleId, cancellationToken)
            ? TypedResults.NoContent()
            : new Missing("Rule").ToProblem();

    private static async Task<Results<Ok<PageResponse<DeadRuleMessageResponse>>, ProblemHttpResult>> DeadMessages(
        HttpContext http, RuleBook rules, string id, string ruleId, int? page, int? pageSize, CancellationToken cancellationToken)
    {
        if (!await rules.OwnsAsync(Actor.From(http).RequiredId, id, cancellationToken))
        {
            return new Missing("Rule").ToProblem();
        }
        var outcome = await rules.DeadMessagesAsync(id, ruleId, page, pageSize, cancellationToken);
        return outcome.Succeeded
            ? TypedResults.Ok(outcome.Value!.ToResponse(m => new DeadRuleMessageResponse(
                m.Id, m.Channel.ToString().ToUpperInvariant(), m.Recipients.Split(','), m.Subject, m.Body, m.Attempts, m.LastError, m.CreatedAt, m.FinishedAt)))
            : outcome.Failure!.ToProblem();
    }

    private static Task<Results<Ok<RuleReplayResponse>, ProblemHttpResult>> ReplayAll(
        HttpContext http, RuleBook rules, string id, string ruleId, CancellationToken cancellationToken) =>
        ReplayAsync(http, rules, id, ruleId, null, cancellationToken);

    private static Task<Results<Ok<RuleReplayResponse>, ProblemHttpResult>> Replay(
        HttpContext http, RuleBook rules, string id, string ruleId, long messageId, CancellationToken cancellationToken) =>
        ReplayAsync(http, rules, id, ruleId, messageId, cancellationToken);

    private static async Task<Results<Ok<RuleReplayResponse>, ProblemHttpResult>> ReplayAsync(
        HttpContext http, RuleBook rules, string id, string ruleId, long? messageId, CancellationToken cancellationToken)
    {
        var actor = Actor.From(http);
        if (!await rules.OwnsAsync(actor.RequiredId, id, cancellationToken))
        {
            return new Missing("Rule").ToProblem();
        }
        var outcome = await rules.ReplayAsync(actor, id, ruleId, messageId, cancellationToken);
        return outcome.Succeeded ? TypedResults.Ok(new RuleReplayResponse(outcome.Value)) : outcome.Failure!.ToProblem();
    }
}
