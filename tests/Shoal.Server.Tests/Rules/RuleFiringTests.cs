using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using MQTTnet;
using Shoal.Server.Tests.Gateway;
using Shoal.Server.Tests.Infrastructure;
using Shoal.Server.Tests.Northbound;
using Shoal.Storage.Entities;
using SmtpServer.Protocol;
using static Shoal.Server.Tests.Rules.RuleSetup;

namespace Shoal.Server.Tests.Rules;

/// <summary>A device over MQTT crosses a threshold; the rule's e-mail and SMS reach real servers on loopback.</summary>
public abstract class RuleFiringTests<TDatabase>(GatewayApplication<TDatabase> shoal) : IClassFixture<GatewayApplication<TDatabase>>, IAsyncLifetime
    where TDatabase : ITestDatabase, new()
{
    private SmtpReceiver _smtp = null!;
    private SmsGateway _gateway = null!;

    public async ValueTask InitializeAsync()
    {
        _smtp = SmtpReceiver.Start();
        _gateway = await SmsGateway.StartAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await _smtp.DisposeAsync();
        await _gateway.DisposeAsync();
    }

    [Fact]
    public async Task Report_AboveThreshold_TheSelectedSmtpServerReceivesTheRenderedEmail()
    {
        var (app, device) = await NewDeviceWithServersAsync();
        await app.CreateRuleAsync();
        using var client = await shoal.ConnectAsync(device);

        await client.ReportAsync(device, Hot);

        var mail = await _smtp.NextAsync();
        Assert.Equal("ops@example.com", mail.To.Mailboxes.Single().Address);
        Assert.Equal("alerts@shoal.example", mail.From.Mailboxes.Single().Address);
        Assert.Equal($"{device.Id} is at 35.5", mail.Subject);
        Assert.Equal($"temperature of {device.Id} went over 30: 35.5", mail.TextBody!.Trim());
    }

    [Fact]
    public async Task Report_AboveThreshold_TheSelectedSmsGatewayReceivesTheRenderedText()
    {
        var (app, device) = await NewDeviceWithServersAsync();
        await app.CreateRuleAsync();
        using var client = await shoal.ConnectAsync(device);

        await client.ReportAsync(device, Hot);

        var sms = await _gateway.NextAsync(sms => sms.Body.Contains(device.Id, StringComparison.Ordinal));
        Assert.Equal("/sms/+4915112345678", sms.Path);
        Assert.Equal("Bearer gateway-key", sms.Authorization);
        var body = JsonDocument.Parse(sms.Body).RootElement;
        Assert.Equal("+4915112345678", body.GetProperty("to").GetString());
        Assert.Equal($"{device.Id}: 35.5", body.GetProperty("text").GetString());
    }

    [Fact]
    public async Task Report_BelowThreshold_WritesNoMessage()
    {
        var (app, device) = await NewDeviceWithServersAsync();
        var ruleId = await app.CreateRuleAsync();
        using var client = await shoal.ConnectAsync(device);

        await client.ReportAsync(device, Mild);

        await EvaluatedAsync(device);
        Assert.Equal(0, await shoal.QueryAsync(db => db.RuleMessages.CountAsync(m => m.RuleId == ruleId)));
    }

    [Fact]
    public async Task Report_AgainWithinTheQuietPeriod_FiresOnce()
    {
        var (app, device) = await NewDeviceWithServersAsync();
        var ruleId = await app.CreateRuleAsync();
        using var client = await shoal.ConnectAsync(device);

        await client.ReportAsync(device, Hot);
        await client.ReportAsync(device, Hot);

        await EvaluatedAsync(device);
        Assert.Equal(2, await shoal.QueryAsync(db => db.RuleMessages.CountAsync(m => m.RuleId == ruleId)));
    }

    [Fact]
    public async Task Connect_OnlineRule_SendsTheEmailWithTheStatus()
    {
        var (app, device) = await NewDeviceWithServersAsync();
        await CreateStatusRuleAsync(app, device, "ONLINE");

        using var client = await shoal.ConnectAsync(device);

        Assert.Equal($"{device.Id} is ONLINE", (await _smtp.NextAsync()).Subject);
    }

    [Fact]
    public async Task Disconnect_OfflineRule_SendsTheEmailWithTheStatus()
    {
        var (app, device) = await NewDeviceWithServersAsync();
        await CreateStatusRuleAsync(app, device, "OFFLINE");
        var client = await shoal.ConnectAsync(device);

        await client.DisconnectAsync();

        Assert.Equal($"{device.Id} is OFFLINE", (await _smtp.NextAsync()).Subject);
    }

    [Fact]
    public async Task Send_ServerRefuses_TheRuleShowsTheServersAnswer()
    {
        var (app, device) = await NewDeviceWithServersAsync();
        var ruleId = await app.CreateRuleAsync();
        _smtp.Refusal = new SmtpResponse(SmtpReplyCode.MailboxUnavailable, "mailbox ops@example.com is full");
        using var client = await shoal.ConnectAsync(device);

        await client.ReportAsync(device, Hot);

        await shoal.EventuallyAsync(db => db.Rules.AnyAsync(r => r.Id == ruleId && r.Failures > 0));
        await shoal.EventuallyAsync(db => db.RuleMessages.AnyAsync(m => m.RuleId == ruleId && m.Channel == RuleActionType.Sms && m.State == RuleMessageState.Sent));
        var rule = await (await app.Owner.Client.GetAsync($"/api/v1/applications/{app.Id}/rules/{ruleId}")).JsonAsync();
        Assert.Contains("mailbox ops@example.com is full", rule.GetProperty("lastError").GetString(), StringComparison.Ordinal);
        Assert.NotEqual(JsonValueKind.Null, rule.GetProperty("lastFiredTime").ValueKind);
    }

    [Fact]
    public async Task Send_NoServerSelected_SpreadsOverTheHealthyServers()
    {
        await using var second = SmtpReceiver.Start();
        await shoal.ReplaceEmailServersAsync(_smtp, second);
        var (app, device) = await shoal.NewDeviceAsync();
        await app.CreateRuleAsync(quietPeriod: 0);
        using var client = await shoal.ConnectAsync(device);

        for (var i = 0; i < 20; i++)
        {
            await client.ReportAsync(device, Hot);
        }

        await shoal.EventuallyAsync(async db =>
            await db.RuleMessages.CountAsync(m => m.ApplicationId == app.Id && m.Channel == RuleActionType.Email && m.State == RuleMessageState.Sent) == 20);
        Assert.True(_smtp.Received > 0 && second.Received > 0, $"First server got {_smtp.Received}, second {second.Received}.");
    }

    [Fact]
    public async Task Send_NoServerSelectedAndOneRefuses_EveryMailGoesThroughTheOther()
    {
        await using var refusing = SmtpReceiver.Start();
        refusing.Refusal = new SmtpResponse(SmtpReplyCode.MailboxUnavailable, "relay denied");
        await shoal.ReplaceEmailServersAsync(refusing, _smtp);
        var (app, device) = await shoal.NewDeviceAsync();
        await app.CreateRuleAsync(quietPeriod: 0);
        using var client = await shoal.ConnectAsync(device);

        for (var i = 0; i < 6; i++)
        {
            await client.ReportAsync(device, Hot);
        }

        for (var i = 0; i < 6; i++)
        {
            Assert.Equal("ops@example.com", (await _smtp.NextAsync()).To.Mailboxes.Single().Address);
        }
    }

    [Fact]
    public async Task TestSend_ServerRefuses_AnswersWithTheServersExactWords()
    {
        _smtp.Refusal = new SmtpResponse(SmtpReplyCode.MailboxUnavailable, "no such user here");
        var server = await shoal.AddEmailServerAsync(_smtp);

        var result = await (await shoal.Operator.PostAsJsonAsync(
            $"/api/v1/operator/email-servers/{server}/test", new { to = "ops@example.com" })).JsonAsync();

        Assert.False(result.GetProperty("sent").GetBoolean());
        Assert.Equal("The SMTP server answered 550: no such user here", result.GetProperty("answer").GetString());
    }

    [Fact]
    public async Task TestSend_WorkingServer_DeliversTheTestMessage()
    {
        var server = await shoal.AddEmailServerAsync(_smtp);

        var result = await (await shoal.Operator.PostAsJsonAsync(
            $"/api/v1/operator/email-servers/{server}/test", new { to = "ops@example.com" })).JsonAsync();

        Assert.True(result.GetProperty("sent").GetBoolean());
        Assert.Equal("Shoal test message", (await _smtp.NextAsync()).Subject);
    }

    /// <summary>Waits until rules have been evaluated on every event of <paramref name="device"/> so far.</summary>
    private Task EvaluatedAsync(TestDevice device) => shoal.EventuallyAsync(async db =>
    {
        var last = await db.DeviceEvents.Where(e => e.DeviceId == device.Id && e.Type == DeviceEventType.PropertiesReported).MaxAsync(e => (long?)e.Id);
        return last is not null && await db.RuleCursors.AnyAsync(c => c.LastEventId >= last);
    });

    private async Task<(NaApplication App, TestDevice Device)> NewDeviceWithServersAsync() =>
        await shoal.NewDeviceAsync(("emailServerId", await shoal.AddEmailServerAsync(_smtp)), ("smsServerId", await shoal.AddSmsServerAsync(_gateway)));

    private static async Task CreateStatusRuleAsync(NaApplication app, TestDevice device, string status) =>
        await (await app.Na.SendAsync(HttpMethod.Post, "/iocm/app/rule/v1.2.0/rules", $$"""
            {
              "name": "{{status}}",
              "conditions": [{"type": "DEVICE_STATUS", "deviceInfo": {"deviceId": "{{device.Id}}"}, "status": "{{status}}"}],
              "actions": [{"type": "EMAIL", "recipients": ["ops@example.com"], "subject": "{deviceId} is {status}", "content": "{deviceName} is {status}"}]
            }
            """)).JsonAsync();
}

public sealed class RuleFiringTestsOnSqlite(GatewayApplication<SqliteDatabase> shoal) : RuleFiringTests<SqliteDatabase>(shoal);

public sealed class RuleFiringTestsOnPostgres(GatewayApplication<PostgresDatabase> shoal) : RuleFiringTests<PostgresDatabase>(shoal);
