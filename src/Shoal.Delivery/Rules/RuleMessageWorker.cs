using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Shoal.Delivery.Mail;
using Shoal.Delivery.Sms;
using Shoal.Storage;
using Shoal.Storage.Entities;
using Shoal.Storage.Tracing;

namespace Shoal.Delivery.Rules;

/// <summary>
/// Fires rules from the device event log, then claims due e-mails and SMS and sends each through the application's
/// selected server, or through healthy servers in random order until one takes it (the one that failed longest ago when
/// none is healthy); retries with backoff and
/// dead-letters what never goes out. Each rule shows when it last sent and how many sends failed.
/// </summary>
internal sealed partial class RuleMessageWorker(
    IServiceScopeFactory scopes, MailSender mail, PlatformMail platformMail, SmsSender sms, ServerHealth health, IOptions<MessageOptions> options, TraceRecorder recorder,
    EventLogSignal signal, TimeProvider time, DeliveryMetrics metrics, ILogger<RuleMessageWorker> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (true)
            {
                var committed = signal.Next;
                try
                {
                    while (await RunOnceAsync(stoppingToken) > 0)
                    {
                    }
                }
                catch (Exception error) when (error is not OperationCanceledException)
                {
                    LogRoundFailed(logger, error);
                }
                await Signal.WaitAsync(committed, options.Value.PollInterval, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>One round: new events evaluated, then one batch of due messages sent. Returns how much it did.</summary>
    public async Task<int> RunOnceAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ShoalDb>();
        var events = await new RuleFanOut(db, options, recorder, time, logger).RunOnceAsync(cancellationToken);
        db.ChangeTracker.Clear();
        var claimed = await ClaimAsync(db, cancellationToken);
        foreach (var message in claimed)
        {
            await SendAsync(db, message, cancellationToken);
        }
        return events + claimed.Count;
    }

    private async Task<List<RuleMessage>> ClaimAsync(ShoalDb db, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var claim = Guid.NewGuid();
        var free = db.RuleMessages.Where(m => m.State == RuleMessageState.Pending && m.NextAttemptAt <= now && (m.ClaimedUntil == null || m.ClaimedUntil < now));
        var due = await free.OrderBy(m => m.Id).Take(options.Value.BatchSize).Select(m => m.Id).ToListAsync(cancellationToken);
        if (due.Count == 0)
        {
            // Most rounds find nothing due: they look without writing.
            return [];
        }
        var until = now + options.Value.ClaimLease;
        await free.Where(m => due.Contains(m.Id))
            .ExecuteUpdateAsync(s => s.SetProperty(m => m.ClaimToken, claim).SetProperty(m => m.ClaimedUntil, until), cancellationToken);
        return await db.RuleMessages.Where(m => m.ClaimToken == claim).OrderBy(m => m.Id).ToListAsync(cancellationToken);
    }

    private async Task SendAsync(ShoalDb db, RuleMessage message, CancellationToken cancellationToken)
    {
        var rule = await db.Rules.SingleOrDefaultAsync(r => r.Id == message.RuleId, cancellationToken);
        // A rule made through a grant sends only while the grant holds: an expiry marks nothing, so it is checked here.
        if (rule?.CreatorId is { } creatorId
            && !(await db.HoldingAsync([rule.ApplicationId], time.GetUtcNow(), cancellationToken)).Allows(rule.ApplicationId, creatorId))
        {
            message.ClaimToken = null;
            message.ClaimedUntil = null;
            message.State = RuleMessageState.DeadLettered;
            message.FinishedAt = time.GetUtcNow();
            message.LastError = $"The grant that let application {creatorId} make this rule was revoked or has expired.";
            await db.SaveChangesAsync(cancellationToken);
            metrics.RuleSent(message);
            return;
        }
        var error = await TrySendAsync(db, message, cancellationToken);
        var now = time.GetUtcNow();
        message.Attempts++;
        message.ClaimToken = null;
        message.ClaimedUntil = null;
        if (error is null)
        {
            message.State = RuleMessageState.Sent;
            message.FinishedAt = now;
            message.LastError = null;
            if (rule is not null)
            {
                rule.LastSentAt = now;
                // An SMS that went out says nothing about the e-mail of the same firing that is still being retried.
                if (!await db.RuleMessages.AnyAsync(m => m.RuleId == rule.Id && m.Channel != message.Channel
                        && m.State == RuleMessageState.Pending && m.LastError != null, cancellationToken))
                {
                    rule.LastError = null;
                }
            }
        }
        else
        {
            message.LastError = error.Length > 1024 ? error[..1024] : error;
            if (rule is not null)
            {
                rule.Failures++;
                rule.LastError = message.LastError;
            }
            if (message.Attempts >= options.Value.MaxAttempts)
            {
                message.State = RuleMessageState.DeadLettered;
                message.FinishedAt = now;
            }
            else
            {
                var backoff = options.Value.FirstRetryDelay * Math.Pow(2, Math.Min(message.Attempts - 1, 30));
                message.NextAttemptAt = now + (backoff < options.Value.MaxRetryDelay ? backoff : options.Value.MaxRetryDelay);
            }
            LogSendFailed(logger, message.Id, message.Channel, message.Attempts);
        }
        await db.SaveChangesAsync(cancellationToken);
        metrics.RuleSent(message);
    }

    private async Task<string?> TrySendAsync(ShoalDb db, RuleMessage message, CancellationToken cancellationToken)
    {
        var selection = await db.Applications.Where(a => a.Id == message.ApplicationId)
            .Select(a => new { a.EmailServerId, a.SmsServerId }).SingleOrDefaultAsync(cancellationToken);
        var recipients = message.Recipients.Split(',');
        if (message.Channel == RuleActionType.Email)
        {
            var servers = await db.EmailServers.AsNoTracking().OrderBy(s => s.Id).ToListAsync(cancellationToken);
            return await ThroughFirstThatTakesItAsync(
                health.Candidates(servers, selection?.EmailServerId, s => s.Id), s => s.Id,
                s => mail.SendAsync(s, recipients, message.Subject ?? "", platformMail.BodyOf(message), cancellationToken), "e-mail server");
        }
        var gateways = await db.SmsServers.AsNoTracking().OrderBy(s => s.Id).ToListAsync(cancellationToken);
        return await ThroughFirstThatTakesItAsync(
            health.Candidates(gateways, selection?.SmsServerId, s => s.Id), s => s.Id,
            async s =>
            {
                foreach (var number in recipients)
                {
                    if (await sms.SendAsync(s, number, message.Body, cancellationToken) is { } failed)
                    {
                        return failed;
                    }
                }
                return null;
            },
            "SMS gateway");
    }

    private async Task<string?> ThroughFirstThatTakesItAsync<T>(IReadOnlyList<T> candidates, Func<T, Guid> id, Func<T, Task<string?>> send, string kind)
    {
        if (candidates.Count == 0)
        {
            return $"No {kind} is registered.";
        }
        string? error = null;
        foreach (var server in candidates)
        {
            error = await send(server);
            if (error is null)
            {
                health.Succeeded(id(server));
                return null;
            }
            health.Failed(id(server));
        }
        return error;
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "A round of rule messages failed; the next round tries again.")]
    private static partial void LogRoundFailed(ILogger logger, Exception error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Rule message {MessageId} ({Channel}) failed on attempt {Attempt}.")]
    private static partial void LogSendFailed(ILogger logger, long messageId, RuleActionType channel, int attempt);
}
