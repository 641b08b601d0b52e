using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Shoal.Storage;
using Shoal.Storage.Entities;

namespace Shoal.Delivery.Mail;

/// <summary>
/// The platform's own e-mails to an application's owner (a secret was reset, a trace started). They go through the
/// outbox rule e-mails use, so the application's selected SMTP server or a random healthy one sends them, with retries.
/// </summary>
public sealed class PlatformMail(IDataProtectionProvider protection, TimeProvider time)
{
    private readonly IDataProtector _sealer = protection.CreateProtector("Shoal.PlatformMailBodies.v1");

    /// <summary>Whether the operator has registered an SMTP server the platform's mails can go through.</summary>
    public static Task<bool> CanSendAsync(ShoalDb db, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        return db.EmailServers.AnyAsync(cancellationToken);
    }

    /// <summary>
    /// Adds a mail to the owner of <paramref name="applicationId"/> to <paramref name="db"/>; the caller's
    /// <c>SaveChanges</c> commits it with whatever it tells about. Nothing is queued while the operator has registered
    /// no SMTP server, as on a fresh install: returns whether a mail was queued.
    /// </summary>
    public async Task<bool> QueueAsync(ShoalDb db, string applicationId, string subject, string body, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        if (!await CanSendAsync(db, cancellationToken))
        {
            return false;
        }
        var owner = await db.Applications.Where(a => a.Id == applicationId)
            .Join(db.Users, a => a.OwnerId, u => u.Id, (_, u) => u.Email)
            .SingleOrDefaultAsync(cancellationToken);
        if (owner is null)
        {
            return false;
        }
        var now = time.GetUtcNow();
        db.RuleMessages.Add(new RuleMessage
        {
            ApplicationId = applicationId,
            Channel = RuleActionType.Email,
            Recipients = owner,
            Subject = subject,
            Body = body,
            CreatedAt = now,
            NextAttemptAt = now,
        });
        return true;
    }

    /// <summary>
    /// Adds a mail to one address that carries a one-time link (a password reset, an invitation): its body is stored
    /// encrypted, so the link is never at rest in plain text. Belongs to no application; any healthy server sends it.
    /// </summary>
    public async Task<bool> QueueSealedAsync(ShoalDb db, string recipient, string subject, string body, CancellationToken cancellationToken)
    {
        if (!await CanSendAsync(db, cancellationToken))
        {
            return false;
        }
        var now = time.GetUtcNow();
        db.RuleMessages.Add(new RuleMessage
        {
            ApplicationId = "",
            Channel = RuleActionType.Email,
            Recipients = recipient,
            Subject = subject,
            Body = _sealer.Protect(body),
            SealedBody = true,
            CreatedAt = now,
            NextAttemptAt = now,
        });
        return true;
    }

    /// <summary>The body to send: decrypted when it was sealed.</summary>
    public string BodyOf(RuleMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        return message.SealedBody ? _sealer.Unprotect(message.Body) : message.Body;
    }
}
