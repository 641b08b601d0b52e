using System.Net.Mail;
using Microsoft.EntityFrameworkCore;
using Shoal.Delivery.Mail;
using Shoal.Delivery.Sms;
using Shoal.Server.Audit;
using Shoal.Server.Common;
using Shoal.Storage;

namespace Shoal.Server.MessageServers;

/// <summary>The operator tries a server with one real message before applications depend on it; each try is audited.</summary>
internal sealed class TestSends(ShoalDb db, AuditLog audit, MailSender mail, SmsSender sms)
{
    public async Task<Outcome<TestSendResponse>> EmailAsync(Actor actor, Guid serverId, string? to, CancellationToken cancellationToken)
    {
        var server = await db.EmailServers.AsNoTracking().SingleOrDefaultAsync(s => s.Id == serverId, cancellationToken);
        if (server is null)
        {
            return new Missing("E-mail server");
        }
        to = to?.Trim();
        if (to is null || !MailAddress.TryCreate(to, out var address) || address.Address != to)
        {
            return new InvalidInput(FieldErrors.Of("to", "Enter the e-mail address the test should go to."));
        }
        var answer = await mail.SendAsync(server, [to], "Shoal test message", $"This message tests the e-mail server '{server.Name}'.", cancellationToken);
        return await RecordAsync(actor, "email-server.tested", $"E-mail server '{server.Name}' to {to}", answer, cancellationToken);
    }

    public async Task<Outcome<TestSendResponse>> SmsAsync(Actor actor, Guid serverId, string? to, CancellationToken cancellationToken)
    {
        var server = await db.SmsServers.AsNoTracking().SingleOrDefaultAsync(s => s.Id == serverId, cancellationToken);
        if (server is null)
        {
            return new Missing("SMS server");
        }
        to = to?.Trim();
        if (string.IsNullOrEmpty(to) || !to.TrimStart('+').All(char.IsAsciiDigit))
        {
            return new InvalidInput(FieldErrors.Of("to", "Enter the phone number the test should go to."));
        }
        var answer = await sms.SendAsync(server, to, $"Shoal test message through '{server.Name}'.", cancellationToken);
        return await RecordAsync(actor, "sms-server.tested", $"SMS server '{server.Name}' to {to}", answer, cancellationToken);
    }

    private async Task<TestSendResponse> RecordAsync(Actor actor, string action, string what, string? failure, CancellationToken cancellationToken)
    {
        audit.Record(db, actor, actor.RequiredId, action, detail: failure is null ? $"{what}: sent." : $"{what}: failed: {failure}");
        await db.SaveChangesAsync(cancellationToken);
        return new TestSendResponse(failure is null, failure);
    }
}
