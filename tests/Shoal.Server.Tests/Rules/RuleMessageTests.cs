using System.Net;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Shoal.Delivery.Rules;
using Shoal.Server.MessageServers;
using Shoal.Server.Tests.Gateway;
using Shoal.Server.Tests.Infrastructure;
using Shoal.Server.Tests.Northbound;
using Shoal.Storage.Entities;
using SmtpServer.Protocol;
using static Shoal.Server.Tests.Rules.RuleSetup;

namespace Shoal.Server.Tests.Rules;

/// <summary>What happens to a rule's e-mail that cannot go out: dead messages and their replay, and a selected server that was deleted.</summary>
public abstract class RuleMessageTests<TDatabase>(GatewayApplication<TDatabase> shoal) : IClassFixture<GatewayApplication<TDatabase>>, IAsyncLifetime
    where TDatabase : ITestDatabase, new()
{
    private SmtpReceiver _smtp = null!;

    public ValueTask InitializeAsync()
    {
        _smtp = SmtpReceiver.Start();
        return ValueTask.CompletedTask;
    }

    public async ValueTask DisposeAsync() => await _smtp.DisposeAsync();

    [Fact]
    public async Task Send_RefusedAtEveryAttempt_IsDeadAndCountedOnTheRule()
    {
        var (app, ruleId, _) = await DeadEmailAsync();

        var rule = await app.RuleAsync(ruleId);
        Assert.Equal(1, rule.GetProperty("deadMessages").GetInt32());
        var dead = (await (await app.Owner.Client.GetAsync($"{RulePath(app, ruleId)}/dead-messages")).JsonAsync()).GetProperty("items").EnumerateArray().Single();
        Assert.Equal("EMAIL", dead.GetProperty("channel").GetString());
        Assert.Equal(MaxAttempts, dead.GetProperty("attempts").GetInt32());
        Assert.Contains("mailbox is full", dead.GetProperty("lastError").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Replay_DeadMessage_IsSentOnceTheServerTakesIt()
    {
        var (app, ruleId, messageId) = await DeadEmailAsync();
        _smtp.Refusal = null;

        var replayed = await (await app.Owner.Client.PostAsync($"{RulePath(app, ruleId)}/dead-messages/{messageId}/replay", null)).JsonAsync();

        Assert.Equal(1, replayed.GetProperty("replayed").GetInt32());
        Assert.Equal("ops@example.com", (await _smtp.NextAsync()).To.Mailboxes.Single().Address);
        await shoal.EmailInStateAsync(ruleId, RuleMessageState.Sent);
        Assert.Equal(0, (await app.RuleAsync(ruleId)).GetProperty("deadMessages").GetInt32());
    }

    [Fact]
    public async Task Replay_MessageThatWasSent_Answers404AndSendsNothingMore()
    {
        var (app, device) = await shoal.NewDeviceAsync(("emailServerId", await shoal.AddEmailServerAsync(_smtp)));
        var ruleId = await CreateEmailRuleAsync(app);
        using var client = await shoal.ConnectAsync(device);
        await client.ReportAsync(device, Hot);
        var messageId = await shoal.EmailInStateAsync(ruleId, RuleMessageState.Sent);

        var response = await app.Owner.Client.PostAsync($"{RulePath(app, ruleId)}/dead-messages/{messageId}/replay", null);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal(RuleMessageState.Sent, await shoal.QueryAsync(db => db.RuleMessages.Where(m => m.Id == messageId).Select(m => m.State).SingleAsync()));
    }

    [Fact]
    public async Task Send_SelectedServerDeleted_GoesThroughAnotherServer()
    {
        var (app, device) = await NewDeviceWhoseSelectedServerIsDeletedAsync();
        await CreateEmailRuleAsync(app);
        using var client = await shoal.ConnectAsync(device);

        await client.ReportAsync(device, Hot);

        Assert.Equal("ops@example.com", (await _smtp.NextAsync()).To.Mailboxes.Single().Address);
    }

    [Fact]
    public async Task Get_RuleWhoseSelectedServerWasDeleted_WarnsThatARandomServerIsUsed()
    {
        var (app, _) = await NewDeviceWhoseSelectedServerIsDeletedAsync();
        var ruleId = await CreateEmailRuleAsync(app);

        var rule = await app.RuleAsync(ruleId);

        Assert.Contains(ServerSelection.EmailServerDeletedWarning, rule.GetProperty("warnings").EnumerateArray().Select(w => w.GetString()));
    }

    private int MaxAttempts => shoal.Services.GetRequiredService<IOptions<MessageOptions>>().Value.MaxAttempts;

    private static string RulePath(NaApplication app, string ruleId) => $"/api/v1/applications/{app.Id}/rules/{ruleId}";

    /// <summary>Fires a rule whose selected server refuses every attempt, moving the clock past each retry until the e-mail is dead.</summary>
    private async Task<(NaApplication App, string RuleId, long MessageId)> DeadEmailAsync()
    {
        _smtp.Refusal = new SmtpResponse(SmtpReplyCode.MailboxUnavailable, "mailbox is full");
        var (app, device) = await shoal.NewDeviceAsync(("emailServerId", await shoal.AddEmailServerAsync(_smtp)));
        var ruleId = await CreateEmailRuleAsync(app);
        using var client = await shoal.ConnectAsync(device);
        await client.ReportAsync(device, Hot);
        var messageId = await shoal.EmailInStateAsync(ruleId, RuleMessageState.Pending);
        for (var attempt = 1; attempt < MaxAttempts; attempt++)
        {
            await shoal.EventuallyAsync(db => db.RuleMessages.AnyAsync(m => m.Id == messageId && m.Attempts == attempt));
            shoal.Time.Advance(TimeSpan.FromHours(1));
        }
        await shoal.EmailInStateAsync(ruleId, RuleMessageState.DeadLettered);
        return (app, ruleId, messageId);
    }

    /// <summary>An application that selected a server the operator then deleted; <see cref="_smtp"/> is the only server left.</summary>
    private async Task<(NaApplication App, TestDevice Device)> NewDeviceWhoseSelectedServerIsDeletedAsync()
    {
        await using var deleted = SmtpReceiver.Start();
        await shoal.ReplaceEmailServersAsync(deleted);
        var selected = (await (await shoal.Operator.GetAsync("/api/v1/operator/email-servers")).JsonAsync())[0].GetProperty("id").GetString();
        var created = await shoal.NewDeviceAsync(("emailServerId", selected));
        await shoal.ReplaceEmailServersAsync(_smtp);
        return created;
    }

    private static async Task<string> CreateEmailRuleAsync(NaApplication app) =>
        (await (await app.Na.SendAsync(HttpMethod.Post, "/iocm/app/rule/v1.2.0/rules", """
            {
              "name": "too warm",
              "conditions": [{"type": "DEVICE_DATA", "deviceInfo": {"path": "Temperature/temperature"}, "operator": ">", "value": 30}],
              "actions": [{"type": "EMAIL", "recipients": ["ops@example.com"], "subject": "{deviceId} is at {value}", "content": "{value}"}]
            }
            """)).JsonAsync()).GetProperty("ruleId").GetString()!;
}

public sealed class RuleMessageTestsOnSqlite(GatewayApplication<SqliteDatabase> shoal) : RuleMessageTests<SqliteDatabase>(shoal);

public sealed class RuleMessageTestsOnPostgres(GatewayApplication<PostgresDatabase> shoal) : RuleMessageTests<PostgresDatabase>(shoal);
