using System.Net;
using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using Shoal.Server.Tests.Gateway;
using Shoal.Server.Tests.Infrastructure;
using Shoal.Server.Tests.Northbound;
using Shoal.Server.Tests.Rules;
using Shoal.Storage.Entities;
using SmtpServer.Protocol;
using static Shoal.Server.Tests.Rules.RuleSetup;

namespace Shoal.Server.Tests.Grants;

/// <summary>
/// An e-mail that a rule made through a grant has queued goes to the grantee's recipients, so it leaves only while the
/// grant holds: a revoke dead-letters it at once, an expiry when it next comes due.
/// </summary>
public abstract class GrantedRuleMessageTests<TDatabase>(GatewayApplication<TDatabase> shoal) : IClassFixture<GatewayApplication<TDatabase>>, IAsyncLifetime
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
    public async Task Revoke_EmailQueuedByTheGranteesRule_IsDeadLetteredUnsent()
    {
        var (grantor, grantId, messageId) = await EmailRefusedOnceAsync(expiresAt: null);

        Assert.Equal(HttpStatusCode.NoContent, (await grantor.Owner.Client.DeleteAsync($"{ApplicationApi.Route}/{grantor.Id}/grants/{grantId}")).StatusCode);

        var message = await shoal.QueryAsync(db => db.RuleMessages.SingleAsync(m => m.Id == messageId));
        Assert.Equal(RuleMessageState.DeadLettered, message.State);
        Assert.Contains("grant", message.LastError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Expiry_EmailQueuedByTheGranteesRule_IsDeadLetteredUnsent()
    {
        var (_, _, messageId) = await EmailRefusedOnceAsync(expiresAt: shoal.Time.GetUtcNow().AddMinutes(30));

        shoal.Time.Advance(TimeSpan.FromMinutes(31));

        await shoal.EventuallyAsync(db => db.RuleMessages.AnyAsync(m => m.Id == messageId && m.State != RuleMessageState.Pending));
        var message = await shoal.QueryAsync(db => db.RuleMessages.SingleAsync(m => m.Id == messageId));
        Assert.Equal((RuleMessageState.DeadLettered, 1), (message.State, message.Attempts));
        Assert.Equal(0, _smtp.Received);
    }

    /// <summary>
    /// The grantee makes an e-mail rule on the grantor's device through an Edit grant; the device reports, the server
    /// refuses the first try, and from then on it would take the e-mail.
    /// </summary>
    private async Task<(NaApplication Grantor, Guid GrantId, long MessageId)> EmailRefusedOnceAsync(DateTimeOffset? expiresAt)
    {
        _smtp.Refusal = new SmtpResponse(SmtpReplyCode.MailboxUnavailable, "mailbox is full");
        var (grantor, device) = await shoal.NewDeviceAsync(("emailServerId", await shoal.AddEmailServerAsync(_smtp)));
        var grantee = await shoal.NewApplicationAsync();
        var grantId = (await (await grantor.Owner.Client.PostAsJsonAsync($"{ApplicationApi.Route}/{grantor.Id}/grants",
            new { granteeApplicationId = grantee.Id, level = "Edit", expiresAt })).JsonAsync(HttpStatusCode.Created)).GetProperty("id").GetGuid();
        var ruleId = (await (await grantee.Na.SendAsync(HttpMethod.Post, $"/iocm/app/rule/v1.2.0/rules?appId={grantor.Id}", """
            {
              "name": "copy to the grantee",
              "conditions": [{"type": "DEVICE_DATA", "deviceInfo": {"path": "Temperature/temperature"}, "operator": ">", "value": 30}],
              "actions": [{"type": "EMAIL", "recipients": ["grantee@example.com"], "subject": "{deviceId}", "content": "{value}"}]
            }
            """)).JsonAsync()).GetProperty("ruleId").GetString()!;
        using var client = await shoal.ConnectAsync(device);
        await client.ReportAsync(device, Hot);
        var messageId = await shoal.EmailInStateAsync(ruleId, RuleMessageState.Pending);
        await shoal.EventuallyAsync(db => db.RuleMessages.AnyAsync(m => m.Id == messageId && m.Attempts == 1 && m.ClaimToken == null));
        _smtp.Refusal = null;
        return (grantor, grantId, messageId);
    }
}

public sealed class GrantedRuleMessageTestsOnSqlite(GatewayApplication<SqliteDatabase> shoal) : GrantedRuleMessageTests<SqliteDatabase>(shoal);

public sealed class GrantedRuleMessageTestsOnPostgres(GatewayApplication<PostgresDatabase> shoal) : GrantedRuleMessageTests<PostgresDatabase>(shoal);
