using System.Diagnostics.Metrics;
using Microsoft.EntityFrameworkCore;
using Shoal.Storage;
using Shoal.Storage.Entities;

namespace Shoal.Delivery;

/// <summary>Delivery's instruments on the <c>Shoal</c> meter: pushes to NAs and the e-mails and SMS rules send.</summary>
internal sealed class DeliveryMetrics
{
    private readonly Histogram<double> _pushDuration;
    private readonly Counter<long> _deadLetters;
    private readonly Counter<long> _ruleSends;

    public DeliveryMetrics(IMeterFactory meters, PushBacklog backlog)
    {
        var meter = meters.Create(ShoalMeter.Name);
        _pushDuration = meter.CreateHistogram("shoal.push.duration", "s", "Time an NA took to answer a push, by application and outcome.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15] });
        _deadLetters = meter.CreateCounter<long>("shoal.push.dead_letters", "{push}", "Pushes given up on, by application.");
        _ruleSends = meter.CreateCounter<long>("shoal.rule.sends", "{message}", "Rule e-mails and SMS sent, failed or dead-lettered.");
        meter.CreateObservableGauge("shoal.push.backlog", backlog.Observe, "{push}", "Pushes waiting to be delivered, by application.");
    }

    public void Pushed(string applicationId, PushResult result) =>
        _pushDuration.Record(result.Latency.TotalSeconds, new("application", applicationId), new("outcome", result.Succeeded ? "delivered" : "failed"));

    /// <summary>The pushes <paramref name="db"/> is about to save as dead letters, to count once the save has committed.</summary>
    public static List<string> DeadLettersIn(ShoalDb db) =>
    [
        .. db.ChangeTracker.Entries<PushDelivery>()
            .Where(e => e.State is EntityState.Added or EntityState.Modified && e.Entity.State == PushDeliveryState.DeadLettered)
            .Select(e => e.Entity.ApplicationId),
    ];

    public void DeadLettered(IEnumerable<string> applicationIds)
    {
        foreach (var applicationId in applicationIds)
        {
            DeadLettered(applicationId, 1);
        }
    }

    public void DeadLettered(string applicationId, int count) => _deadLetters.Add(count, new KeyValuePair<string, object?>("application", applicationId));

    /// <summary>An attempt to send <paramref name="message"/> that was just saved: sent, failed (and retried later) or dead-lettered.</summary>
    public void RuleSent(RuleMessage message) =>
        _ruleSends.Add(1,
            new("channel", message.Channel == RuleActionType.Email ? "email" : "sms"),
            new("outcome", message.State switch
            {
                RuleMessageState.Sent => "sent",
                RuleMessageState.DeadLettered => "dead_lettered",
                _ => "failed",
            }));
}
