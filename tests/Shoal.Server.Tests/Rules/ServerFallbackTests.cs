using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Shoal.Delivery.Rules;
using Shoal.Server.Tests.Gateway;
using Shoal.Server.Tests.Infrastructure;
using Shoal.Storage.Entities;
using SmtpServer.Protocol;
using static Shoal.Server.Tests.Rules.RuleSetup;

namespace Shoal.Server.Tests.Rules;

/// <summary>
/// Servers that failed lately are passed over while another may take the message, but never all of them: a retry
/// reaches a server that is back well before <c>Messages:UnhealthyFor</c> lapses.
/// </summary>
public abstract class ServerFallbackTests<TDatabase>(GatewayApplication<TDatabase> shoal) : IClassFixture<GatewayApplication<TDatabase>>
    where TDatabase : ITestDatabase, new()
{
    private static readonly SmtpResponse Unavailable = new(SmtpReplyCode.ServiceUnavailable, "try again later");
    private const int GatewayDown = 503;

    [Fact]
    public async Task Email_OnlyServerFailedOnceAndIsBack_TheRetryGoesThroughIt()
    {
        await using var smtp = SmtpReceiver.Start();
        smtp.Refusal = Unavailable;
        await shoal.ReplaceEmailServersAsync(smtp);
        var (ruleId, device) = await RuleOfNewDeviceAsync(RuleActionType.Email);
        using var client = await shoal.ConnectAsync(device);
        await client.ReportAsync(device, Hot);
        await AttemptedAsync(ruleId, 1);

        smtp.Refusal = null;
        shoal.Time.Advance(FirstRetryDelay);

        Assert.Equal("ops@example.com", (await smtp.NextAsync()).To.Mailboxes.Single().Address);
    }

    [Fact]
    public async Task Email_EveryServerFailedLately_TheOneThatFailedLongestAgoIsTried()
    {
        await using var earlier = SmtpReceiver.Start();
        await using var later = SmtpReceiver.Start();
        earlier.Refusal = later.Refusal = Unavailable;
        await shoal.ReplaceEmailServersAsync(earlier);
        var (ruleId, device) = await RuleOfNewDeviceAsync(RuleActionType.Email);
        using var client = await shoal.ConnectAsync(device);
        await client.ReportAsync(device, Hot);
        await AttemptedAsync(ruleId, 1);
        shoal.Time.Advance(TimeSpan.FromSeconds(1));
        await shoal.AddEmailServerAsync(later);
        await client.ReportAsync(device, Hot);
        await AttemptedAsync(ruleId, 2);

        earlier.Refusal = later.Refusal = null;
        shoal.Time.Advance(FirstRetryDelay);

        await SentAsync(ruleId, 2);
        Assert.Equal((2, 0), (earlier.Received, later.Received));
    }

    [Fact]
    public async Task Email_SentAfterAFailure_TheRuleNoLongerShowsTheError()
    {
        await using var smtp = SmtpReceiver.Start();
        smtp.Refusal = Unavailable;
        var (ruleId, device) = await RuleOfNewDeviceAsync(RuleActionType.Email, ("emailServerId", await shoal.AddEmailServerAsync(smtp)));
        using var client = await shoal.ConnectAsync(device);
        await client.ReportAsync(device, Hot);
        await AttemptedAsync(ruleId, 1);

        smtp.Refusal = null;
        shoal.Time.Advance(FirstRetryDelay);

        await SentAsync(ruleId, 1);
        var rule = await shoal.QueryAsync(db => db.Rules.SingleAsync(r => r.Id == ruleId));
        Assert.Equal((1, null), (rule.Failures, rule.LastError));
    }

    [Fact]
    public async Task Sms_OnlyGatewayFailedOnceAndIsBack_TheRetryGoesThroughIt()
    {
        await using var gateway = await SmsGateway.StartAsync();
        gateway.Refusal = GatewayDown;
        await shoal.ReplaceSmsServersAsync(gateway);
        var (ruleId, device) = await RuleOfNewDeviceAsync(RuleActionType.Sms);
        using var client = await shoal.ConnectAsync(device);
        await client.ReportAsync(device, Hot);
        await AttemptedAsync(ruleId, 1);

        gateway.Refusal = null;
        shoal.Time.Advance(FirstRetryDelay);

        var sms = await gateway.NextAsync(_ => true);
        Assert.Equal("+4915112345678", JsonDocument.Parse(sms.Body).RootElement.GetProperty("to").GetString());
    }

    [Fact]
    public async Task Sms_EveryGatewayFailedLately_TheOneThatFailedLongestAgoIsTried()
    {
        await using var earlier = await SmsGateway.StartAsync();
        await using var later = await SmsGateway.StartAsync();
        earlier.Refusal = later.Refusal = GatewayDown;
        await shoal.ReplaceSmsServersAsync(earlier);
        var (ruleId, device) = await RuleOfNewDeviceAsync(RuleActionType.Sms);
        using var client = await shoal.ConnectAsync(device);
        await client.ReportAsync(device, Hot);
        await AttemptedAsync(ruleId, 1);
        shoal.Time.Advance(TimeSpan.FromSeconds(1));
        await shoal.AddSmsServerAsync(later);
        await client.ReportAsync(device, Hot);
        await AttemptedAsync(ruleId, 2);

        earlier.Refusal = later.Refusal = null;
        shoal.Time.Advance(FirstRetryDelay);

        await SentAsync(ruleId, 2);
        Assert.Equal((2, 0), (earlier.Received, later.Received));
    }

    private TimeSpan FirstRetryDelay => shoal.Services.GetRequiredService<IOptions<MessageOptions>>().Value.FirstRetryDelay;

    /// <summary>A device and a rule without quiet period that sends one message on <paramref name="channel"/> when it reports <see cref="Hot"/>.</summary>
    private async Task<(string RuleId, TestDevice Device)> RuleOfNewDeviceAsync(RuleActionType channel, params (string Field, object? Value)[] selection)
    {
        var (app, device) = await shoal.NewDeviceAsync(selection);
        var action = channel == RuleActionType.Email
            ? """{"type": "EMAIL", "recipients": ["ops@example.com"], "subject": "{deviceId} is at {value}", "content": "{value}"}"""
            : """{"type": "SMS", "numbers": ["+4915112345678"], "content": "{deviceId}: {value}"}""";
        var ruleId = (await (await app.Na.SendAsync(HttpMethod.Post, "/iocm/app/rule/v1.2.0/rules", $$"""
            {
              "name": "too warm",
              "quietPeriod": 0,
              "conditions": [{"type": "DEVICE_DATA", "deviceInfo": {"path": "Temperature/temperature"}, "operator": ">", "value": 30}],
              "actions": [{{action}}]
            }
            """)).JsonAsync()).GetProperty("ruleId").GetString()!;
        return (ruleId, device);
    }

    /// <summary>Waits until <paramref name="count"/> messages of the rule have been attempted once.</summary>
    private Task AttemptedAsync(string ruleId, int count) =>
        shoal.EventuallyAsync(async db => await db.RuleMessages.CountAsync(m => m.RuleId == ruleId && m.Attempts == 1) == count);

    private Task SentAsync(string ruleId, int count) =>
        shoal.EventuallyAsync(async db => await db.RuleMessages.CountAsync(m => m.RuleId == ruleId && m.State == RuleMessageState.Sent) == count);
}

public sealed class ServerFallbackTestsOnSqlite(GatewayApplication<SqliteDatabase> shoal) : ServerFallbackTests<SqliteDatabase>(shoal);

public sealed class ServerFallbackTestsOnPostgres(GatewayApplication<PostgresDatabase> shoal) : ServerFallbackTests<PostgresDatabase>(shoal);
