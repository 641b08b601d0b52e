using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Shoal.Storage;
using Shoal.Storage.Entities;
using Shoal.Storage.Tracing;

namespace Shoal.Delivery.Rules;

/// <summary>
/// Evaluates the active rules on the device event log after the rules' own cursor. A rule that fires writes its
/// e-mails, SMS and ruleEvent push into the outboxes in the transaction that moves the cursor, so a firing is sent
/// once whatever crashes, and evaluation never slows the ingest that wrote the events. An event that cannot be read is
/// logged and passed over: it must not hold back the rules of every application behind it.
/// </summary>
internal sealed partial class RuleFanOut(ShoalDb db, IOptions<MessageOptions> options, TraceRecorder recorder, TimeProvider time, ILogger logger)
{
    private const int CursorId = 1;

    public async Task<int> RunOnceAsync(CancellationToken cancellationToken)
    {
        var from = await db.RuleCursors.Where(c => c.Id == CursorId).Select(c => (long?)c.LastEventId).SingleOrDefaultAsync(cancellationToken) ?? 0;
        if (await db.NextBatchEndAsync(from, options.Value.BatchSize, cancellationToken) is not { } to)
        {
            return 0;
        }
        // Only what a rule observes (reports and status changes), of an application with an active rule, leaves the database.
        var reports = await db.DeviceEvents.AsNoTracking()
            .Where(e => e.Id > from && e.Id <= to && (e.Type == DeviceEventType.PropertiesReported || e.Type == DeviceEventType.StatusChanged))
            .Where(e => db.Rules.Any(r => r.ApplicationId == e.ApplicationId && r.Status == RuleStatus.Active))
            .OrderBy(e => e.Id)
            .ToListAsync(cancellationToken);
        var applicationIds = reports.Select(e => e.ApplicationId).Distinct().ToList();
        var granted = await db.HoldingAsync(applicationIds, time.GetUtcNow(), cancellationToken);
        // A rule an NA made through a grant runs only while the grant holds.
        var rules = (await db.Rules
            .Where(r => applicationIds.Contains(r.ApplicationId) && r.Status == RuleStatus.Active)
            .Where(r => db.Applications.Any(a => a.Id == r.ApplicationId && a.FrozenAt == null))
            .ToListAsync(cancellationToken))
            .Where(r => granted.Allows(r.ApplicationId, r.CreatorId))
            .GroupBy(r => r.ApplicationId)
            .ToDictionary(g => g.Key, g => g.Select(r => (Rule: r, Conditions: r.ReadConditions())).ToList());
        if (rules.Count > 0)
        {
            await FireAsync(reports.Where(e => rules.ContainsKey(e.ApplicationId)).ToList(), rules, granted, cancellationToken);
        }
        // As for pushes: only writing what fired, with the cursor's move, takes the write lock.
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        if (!await db.TryMoveCursorAsync(db.RuleCursors, CursorId, from, to, cancellationToken))
        {
            return 0;
        }
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return (int)(to - from);
    }

    private async Task FireAsync(
        List<DeviceEvent> reports, Dictionary<string, List<(Rule Rule, IReadOnlyList<RuleCondition> Conditions)>> rules,
        HashSet<(string GrantorId, string GranteeId)> granted, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var deviceIds = reports.Select(e => e.DeviceId).Distinct().ToList();
        var devices = await db.Devices.AsNoTracking().Where(d => deviceIds.Contains(d.Id))
            .ToDictionaryAsync(d => d.Id, d => (d.Name, d.NodeId), cancellationToken);
        var ruleIds = rules.Values.SelectMany(r => r).Select(r => r.Rule.Id).ToList();
        var firings = await db.RuleFirings.Where(f => ruleIds.Contains(f.RuleId) && deviceIds.Contains(f.DeviceId))
            .ToDictionaryAsync(f => (f.RuleId, f.DeviceId), cancellationToken);
        var ruleEventSubscriptions = (await db.Subscriptions.AsNoTracking()
            .Where(s => rules.Keys.Contains(s.ApplicationId) && s.NotifyType == NotifyTypes.RuleEvent && s.State != SubscriptionState.Disabled)
            .Where(s => db.Applications.Any(a => a.Id == s.ApplicationId && a.PushService))
            .ToListAsync(cancellationToken))
            .Where(s => granted.Allows(s.ApplicationId, s.SubscriberId))
            .ToLookup(s => s.ApplicationId);

        foreach (var report in reports)
        {
            Observation observation;
            List<(Rule Rule, RuleMatch Match)> matches;
            try
            {
                observation = Observation.Of(report);
                matches = [.. rules[report.ApplicationId]
                    .Select(r => (r.Rule, Match: RuleEvaluation.Evaluate(r.Rule, r.Conditions, report.DeviceId, observation, now)))
                    .Where(r => r.Match is not null)
                    .Select(r => (r.Rule, r.Match!))];
            }
            catch (Exception error) when (error is not OperationCanceledException)
            {
                LogUnreadable(logger, report.Id, report.DeviceId, error);
                continue;
            }
            foreach (var (rule, match) in matches)
            {
                if (firings.TryGetValue((rule.Id, report.DeviceId), out var firing))
                {
                    if (now - firing.FiredAt < rule.QuietPeriod)
                    {
                        continue;
                    }
                    firing.FiredAt = now;
                }
                else
                {
                    firing = new RuleFiring { RuleId = rule.Id, DeviceId = report.DeviceId, FiredAt = now };
                    firings[(rule.Id, report.DeviceId)] = firing;
                    db.RuleFirings.Add(firing);
                }
                rule.LastFiredAt = now;
                recorder.RuleFired(report, rule.Name, $"{match.ServiceId}/{match.Property}", match.Value);
                var device = devices.GetValueOrDefault(report.DeviceId);
                var values = new Dictionary<string, string>
                {
                    ["ruleName"] = rule.Name,
                    ["deviceId"] = report.DeviceId,
                    ["deviceName"] = device.Name ?? device.NodeId ?? report.DeviceId,
                    ["nodeId"] = device.NodeId ?? "",
                    ["serviceId"] = match.ServiceId,
                    ["property"] = match.Property,
                    ["value"] = match.Value,
                    // A device that reports is online.
                    ["status"] = observation.Status ?? "ONLINE",
                    ["time"] = report.CreatedAt.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture),
                };
                foreach (var action in rule.ReadActions())
                {
                    Add(rule, action, values, report, match, ruleEventSubscriptions, now);
                }
            }
        }
    }

    private void Add(
        Rule rule, RuleAction action, Dictionary<string, string> values, DeviceEvent report, RuleMatch match,
        ILookup<string, Subscription> ruleEventSubscriptions, DateTimeOffset now)
    {
        if (action.Type == RuleActionType.RuleEvent)
        {
            foreach (var subscription in ruleEventSubscriptions[rule.ApplicationId])
            {
                db.PushDeliveries.Add(new PushDelivery
                {
                    WebhookId = $"msg_{Guid.NewGuid():N}",
                    SubscriptionId = subscription.Id,
                    ApplicationId = rule.ApplicationId,
                    RecipientId = subscription.SubscriberId == rule.ApplicationId ? null : subscription.SubscriberId,
                    NotifyType = NotifyTypes.RuleEvent,
                    Body = RuleEventBody(rule, report, match, values["time"]),
                    DeviceId = report.DeviceId,
                    Sequence = report.Id,
                    CreatedAt = now,
                    NextAttemptAt = now,
                });
            }
            return;
        }
        db.RuleMessages.Add(new RuleMessage
        {
            RuleId = rule.Id,
            ApplicationId = rule.ApplicationId,
            Channel = action.Type,
            Recipients = string.Join(',', action.Recipients),
            Subject = action.Subject is null ? null : Render(action.Subject, values),
            Body = Render(action.Content ?? "", values),
            CreatedAt = now,
            NextAttemptAt = now,
        });
    }

    /// <summary>Fills <c>{placeholder}</c>s; the rule was validated when saved, so each one is known.</summary>
    private static string Render(string template, Dictionary<string, string> values) =>
        Placeholder().Replace(template, m => values.TryGetValue(m.Groups[1].Value, out var value) ? value : m.Value);

    private static string RuleEventBody(Rule rule, DeviceEvent report, RuleMatch match, string time) => new JsonObject
    {
        ["notifyType"] = NotifyTypes.RuleEvent,
        ["requestId"] = report.Id.ToString(CultureInfo.InvariantCulture),
        ["author"] = rule.Author,
        ["ruleId"] = rule.Id,
        ["ruleName"] = rule.Name,
        ["logic"] = rule.Logic.ToString().ToLowerInvariant(),
        ["reasons"] = new JsonArray(new JsonObject
        {
            ["satisfactionTime"] = time,
            ["type"] = match.Type == RuleConditionType.DeviceData ? "DEVICE_DATA" : "DEVICE_STATUS",
            ["info"] = match.Type == RuleConditionType.DeviceData
                ? new JsonObject { ["deviceId"] = report.DeviceId, ["path"] = $"{match.ServiceId}/{match.Property}", ["value"] = match.Value }
                : new JsonObject { ["deviceId"] = report.DeviceId, ["status"] = match.Value },
        }),
        ["triggerTime"] = time,
    }.ToJsonString();

    [LoggerMessage(Level = LogLevel.Error, Message = "Device event {EventId} of device {DeviceId} could not be read; no rule is evaluated on it and the others go on.")]
    private static partial void LogUnreadable(ILogger logger, long eventId, string deviceId, Exception error);

    [GeneratedRegex(@"\{([A-Za-z]+)\}")]
    private static partial Regex Placeholder();
}
