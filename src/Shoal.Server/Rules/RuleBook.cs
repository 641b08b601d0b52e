using System.Globalization;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Shoal.Server.Audit;
using Shoal.Server.Common;
using Shoal.Server.MessageServers;
using Shoal.Storage;
using Shoal.Storage.Entities;

namespace Shoal.Server.Rules;

/// <summary>The rules of applications. Callers have checked that the caller may act on the application.</summary>
internal sealed class RuleBook(ShoalDb db, AuditLog audit, TimeProvider time)
{
    /// <summary>Creates or changes a rule; <paramref name="creatorId"/> is the application whose NA saves it through a grant, if it does.</summary>
    public async Task<Outcome<Rule>> SaveAsync(
        string applicationId, string? ruleId, RuleRequest request, CancellationToken cancellationToken, string? creatorId = null)
    {
        ArgumentNullException.ThrowIfNull(request);
        Rule? rule = null;
        if (ruleId is not null)
        {
            rule = await db.Rules.SingleOrDefaultAsync(r => r.ApplicationId == applicationId && r.Id == ruleId, cancellationToken);
            if (rule is null)
            {
                return new Missing("Rule");
            }
        }
        var errors = new FieldErrors();
        var parsed = RuleValidation.Parse(request, errors);
        if (parsed is not null)
        {
            await CheckDevicesAsync(applicationId, parsed.Conditions, errors, cancellationToken);
        }
        if (errors.Any)
        {
            return new InvalidInput(errors);
        }
        var now = time.GetUtcNow();
        if (rule is null)
        {
            rule = new Rule { Id = Guid.NewGuid().ToString(), ApplicationId = applicationId, Name = "", Conditions = "", Actions = "", CreatedAt = now };
            db.Rules.Add(rule);
        }
        rule.CreatorId = creatorId;
        rule.Name = parsed!.Name;
        rule.Description = parsed.Description;
        rule.Author = parsed.Author;
        rule.Status = parsed.Status;
        rule.Logic = parsed.Logic;
        rule.Conditions = RuleJson.Write(parsed.Conditions);
        rule.Actions = RuleJson.Write(parsed.Actions);
        rule.ActiveFrom = parsed.ActiveFrom;
        rule.ActiveUntil = parsed.ActiveUntil;
        rule.QuietPeriodSeconds = parsed.QuietPeriodSeconds;
        rule.UpdatedAt = now;
        await db.SaveChangesAsync(cancellationToken);
        return rule;
    }

    private async Task CheckDevicesAsync(string applicationId, IReadOnlyList<RuleCondition> conditions, FieldErrors errors, CancellationToken cancellationToken)
    {
        var named = conditions.Select(c => c.DeviceId).OfType<string>().Distinct().ToList();
        if (named.Count == 0)
        {
            return;
        }
        var known = await db.Devices.Where(d => d.ApplicationId == applicationId && named.Contains(d.Id)).Select(d => d.Id).ToListAsync(cancellationToken);
        for (var i = 0; i < conditions.Count; i++)
        {
            if (conditions[i].DeviceId is { } deviceId && !known.Contains(deviceId))
            {
                errors.Add($"conditions[{i}].deviceInfo.deviceId", $"no device '{deviceId}' belongs to this application.");
            }
        }
    }

    public async Task<IReadOnlyList<Rule>> ListAsync(string applicationId, string? name, string? author, CancellationToken cancellationToken)
    {
        var query = db.Rules.AsNoTracking().Where(r => r.ApplicationId == applicationId);
        if (!string.IsNullOrEmpty(name))
        {
            query = query.Where(r => r.Name == name);
        }
        if (!string.IsNullOrEmpty(author))
        {
            query = query.Where(r => r.Author == author);
        }
        return await query.OrderBy(r => r.CreatedAt).ThenBy(r => r.Id).ToListAsync(cancellationToken);
    }

    public Task<Rule?> FindAsync(string applicationId, string ruleId, CancellationToken cancellationToken) =>
        db.Rules.AsNoTracking().SingleOrDefaultAsync(r => r.ApplicationId == applicationId && r.Id == ruleId, cancellationToken);

    public async Task<Outcome<Rule>> SetStatusAsync(string applicationId, string ruleId, string? status, CancellationToken cancellationToken)
    {
        var errors = new FieldErrors();
        var parsed = RuleValidation.ParseStatus(status, errors);
        if (errors.Any)
        {
            return new InvalidInput(errors);
        }
        var rule = await db.Rules.SingleOrDefaultAsync(r => r.ApplicationId == applicationId && r.Id == ruleId, cancellationToken);
        if (rule is null)
        {
            return new Missing("Rule");
        }
        rule.Status = parsed;
        rule.UpdatedAt = time.GetUtcNow();
        await db.SaveChangesAsync(cancellationToken);
        return rule;
    }

    public async Task<bool> DeleteAsync(string applicationId, string ruleId, CancellationToken cancellationToken) =>
        await db.Rules.Where(r => r.ApplicationId == applicationId && r.Id == ruleId).ExecuteDeleteAsync(cancellationToken) > 0;

    public Task<bool> OwnsAsync(Guid ownerId, string applicationId, CancellationToken cancellationToken) =>
        db.Applications.AnyAsync(a => a.Id == applicationId && a.OwnerId == ownerId, cancellationToken);

    /// <summary>The rule as the APIs show it: see <see cref="DescribeAsync(string, IReadOnlyList{Rule}, CancellationToken)"/>.</summary>
    public async Task<RuleResponse> DescribeAsync(Rule rule, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(rule);
        return (await DescribeAsync(rule.ApplicationId, [rule], cancellationToken))[0];
    }

    /// <summary>
    /// The rules as the APIs show them, each with its dead messages and a warning for each kind of message that has no
    /// server to go through yet, or whose selected server was deleted so that a random one takes its place.
    /// </summary>
    public async Task<RuleResponse[]> DescribeAsync(string applicationId, IReadOnlyList<Rule> rules, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(rules);
        var servers = await ServerSelection.OfAsync(db, applicationId, cancellationToken);
        var ruleIds = rules.Select(r => r.Id).ToList();
        var dead = await db.RuleMessages
            .Where(m => m.RuleId != null && ruleIds.Contains(m.RuleId) && m.State == RuleMessageState.DeadLettered)
            .GroupBy(m => m.RuleId!)
            .Select(g => new { RuleId = g.Key, Count = g.Count() })
            .ToDictionaryAsync(g => g.RuleId, g => g.Count, cancellationToken);
        return [.. rules.Select(rule =>
        {
            var actions = rule.ReadActions();
            List<string> warnings = [
                .. actions.Any(a => a.Type == RuleActionType.Email) ? servers.EmailWarnings : [],
                .. actions.Any(a => a.Type == RuleActionType.Sms) ? servers.SmsWarnings : []];
            return ToResponse(rule, actions, dead.GetValueOrDefault(rule.Id), warnings);
        })];
    }

    /// <summary>The rule's messages that were given up, newest first.</summary>
    public async Task<Outcome<Paged<RuleMessage>>> DeadMessagesAsync(string applicationId, string ruleId, int? page, int? pageSize, CancellationToken cancellationToken)
    {
        if (!await db.Rules.AnyAsync(r => r.ApplicationId == applicationId && r.Id == ruleId, cancellationToken))
        {
            return new Missing("Rule");
        }
        var (number, size) = Paging.Normalize(page, pageSize);
        var query = DeadMessages(ruleId).AsNoTracking();
        var total = await query.CountAsync(cancellationToken);
        var items = await query.OrderByDescending(m => m.Id).Skip((number - 1) * size).Take(size).ToListAsync(cancellationToken);
        return new Paged<RuleMessage>(items, number, size, total);
    }

    /// <summary>Puts the rule's dead messages (one, or all when <paramref name="messageId"/> is null) back in line with every attempt ahead of them.</summary>
    public async Task<Outcome<int>> ReplayAsync(Actor actor, string applicationId, string ruleId, long? messageId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(actor);
        var rule = await db.Rules.AsNoTracking().SingleOrDefaultAsync(r => r.ApplicationId == applicationId && r.Id == ruleId, cancellationToken);
        if (rule is null)
        {
            return new Missing("Rule");
        }
        var messages = DeadMessages(ruleId);
        if (messageId is { } id)
        {
            messages = messages.Where(m => m.Id == id);
        }
        var now = time.GetUtcNow();
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var count = await messages.ExecuteUpdateAsync(u => u
            .SetProperty(m => m.State, RuleMessageState.Pending)
            .SetProperty(m => m.Attempts, 0)
            .SetProperty(m => m.NextAttemptAt, now)
            .SetProperty(m => m.FinishedAt, (DateTimeOffset?)null), cancellationToken);
        if (messageId is not null && count == 0)
        {
            return new Missing("Dead message");
        }
        var ownerId = await db.Applications.Where(a => a.Id == applicationId).Select(a => a.OwnerId).SingleAsync(cancellationToken);
        audit.Record(db, actor, ownerId, "rule.replay", applicationId, $"{count} dead message(s) of rule '{rule.Name}' replayed");
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return count;
    }

    private IQueryable<RuleMessage> DeadMessages(string ruleId) =>
        db.RuleMessages.Where(m => m.RuleId == ruleId && m.State == RuleMessageState.DeadLettered);

    private static RuleResponse ToResponse(Rule rule, IReadOnlyList<RuleAction> actions, int deadMessages, IReadOnlyList<string> warnings) => new(
        rule.Id, rule.ApplicationId, rule.Name, rule.Description, rule.Author,
        rule.Status.ToString().ToLowerInvariant(), rule.Logic.ToString().ToLowerInvariant(),
        [.. rule.ReadConditions().Select(ToBody)],
        rule.ActiveFrom is { } from && rule.ActiveUntil is { } until ? new RuleTimeRange(Clock(from), Clock(until)) : null,
        [.. actions.Select(ToBody)],
        rule.QuietPeriodSeconds, rule.CreatedAt, rule.UpdatedAt, rule.LastFiredAt, rule.LastSentAt, rule.Failures, rule.LastError, deadMessages, warnings);

    private static string Clock(TimeOnly time) => time.ToString("HH:mm", CultureInfo.InvariantCulture);

    private static RuleConditionBody ToBody(RuleCondition condition) => condition.Type == RuleConditionType.DeviceData
        ? new RuleConditionBody(
            "DEVICE_DATA", new RuleDeviceInfo(condition.DeviceId, $"{condition.ServiceId}/{condition.Property}"), condition.Operator,
            condition.Numeric ? JsonDocument.Parse(condition.Value!).RootElement.Clone() : JsonSerializer.SerializeToElement(condition.Value), null)
        : new RuleConditionBody("DEVICE_STATUS", new RuleDeviceInfo(condition.DeviceId, null), null, null, condition.DeviceStatus);

    private static RuleActionBody ToBody(RuleAction action) => action.Type switch
    {
        RuleActionType.Email => new RuleActionBody("EMAIL", action.Recipients, null, action.Subject, action.Content),
        RuleActionType.Sms => new RuleActionBody("SMS", null, action.Recipients, null, action.Content),
        _ => new RuleActionBody("RULE_EVENT", null, null, null, null),
    };
}
