using System.Net.Mail;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Shoal.Delivery.Mail;
using Shoal.Server.Audit;
using Shoal.Server.Common;
using Shoal.Server.Hosting;
using Shoal.Server.Security;
using Shoal.Storage;
using Shoal.Storage.Entities;

namespace Shoal.Server.Accounts;

/// <summary>
/// Single-use links sent by e-mail through the platform's mail: password resets and invitations to sign up. A link
/// carries a random token; only its keyed hash is stored, and the mail that carries it is stored sealed.
/// </summary>
internal sealed class AccountLinks(
    ShoalDb db,
    SecretHasher hasher,
    SignInThrottle throttle,
    AuditLog audit,
    PlatformMail platformMail,
    PortalAddress portal,
    IOptions<AccountOptions> options,
    TimeProvider time)
{
    public const string ResetPath = "/account/reset-password";
    public const string InvitationPath = "/account/sign-up";

    private static readonly Refused NoMailServer = new(StatusCodes.Status409Conflict,
        "No e-mail server is registered.", "Register an e-mail server under Operations first: the link goes out by e-mail.");

    /// <summary>The unused, unexpired link of <paramref name="kind"/> with this token, or null.</summary>
    public async Task<AccountLink?> FindAsync(AccountLinkKind kind, string token, CancellationToken cancellationToken)
    {
        var hash = hasher.Hash(token);
        var now = time.GetUtcNow();
        var link = await db.AccountLinks.SingleOrDefaultAsync(l => l.TokenHash == hash, cancellationToken);
        return link is not null && link.Kind == kind && link.UsedAt is null && link.ExpiresAt > now ? link : null;
    }

    /// <summary>Marks the link used; false when another request used it first.</summary>
    public async Task<bool> UseAsync(AccountLink link, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(link);
        var now = time.GetUtcNow();
        var claimed = await db.AccountLinks.Where(l => l.Id == link.Id && l.UsedAt == null)
            .ExecuteUpdateAsync(s => s.SetProperty(l => l.UsedAt, now), cancellationToken);
        link.UsedAt = now;
        return claimed == 1;
    }

    public Task WithdrawResetsAsync(Guid userId, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        return db.AccountLinks.Where(l => l.UserId == userId && l.Kind == AccountLinkKind.PasswordReset && l.UsedAt == null)
            .ExecuteUpdateAsync(s => s.SetProperty(l => l.UsedAt, now), cancellationToken);
    }

    /// <summary>
    /// Mails a reset link when an active account has this address. The answer is the same whether it has or not, so
    /// nobody learns which addresses have accounts; requests are limited per address asked for and per client.
    /// </summary>
    public async Task<Failure?> RequestResetAsync(string? email, string? address, CancellationToken cancellationToken)
    {
        var emailKey = email?.Trim().ToUpperInvariant() ?? "";
        var accountKey = "reset:" + emailKey;
        var addressKey = "reset-from:" + (address ?? "unknown");
        var wait = throttle.RetryAfter(accountKey, options.Value.PasswordResetsPerAccount) is { } forAccount ? forAccount
            : throttle.RetryAfter(addressKey, options.Value.PasswordResetsPerAddress);
        if (wait is { } retryAfter)
        {
            return new Throttled(retryAfter);
        }
        throttle.Fail(accountKey);
        throttle.Fail(addressKey);
        var user = emailKey.Length == 0 ? null : await db.Users.SingleOrDefaultAsync(u => u.EmailKey == emailKey, cancellationToken);
        if (user is { FrozenAt: null })
        {
            await SendResetAsync(user, new Actor(user.Id, user.Email, address), "account.password-reset-requested", cancellationToken);
        }
        return null;
    }

    /// <summary>The operator has a reset link mailed to a user; the user's password works until the link is used.</summary>
    public async Task<Failure?> SendResetForOperatorAsync(Actor actor, Guid userId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(actor);
        var user = await db.Users.SingleOrDefaultAsync(u => u.Id == userId, cancellationToken);
        if (user is null)
        {
            return new Missing("User");
        }
        return await SendResetAsync(user, actor, "user.password-reset-sent", cancellationToken) ? null : NoMailServer;
    }

    private async Task<bool> SendResetAsync(User user, Actor actor, string action, CancellationToken cancellationToken)
    {
        var (link, token) = NewLink(AccountLinkKind.PasswordReset, user.Email, actor, options.Value.PasswordResetLifetime);
        link.UserId = user.Id;
        var minutes = (int)options.Value.PasswordResetLifetime.TotalMinutes;
        if (!await platformMail.QueueSealedAsync(db, user.Email, "Reset your Shoal password",
                $"Someone asked to reset the password of your Shoal account {user.Email}.\n\n"
                + $"To choose a new password, open this link within {minutes} minutes. It works once:\n{portal.Link($"{ResetPath}?token={token}")}\n\n"
                + "If you did not ask for this, ignore this mail: your password stays as it is.", cancellationToken))
        {
            return false;
        }
        db.AccountLinks.Add(link);
        audit.Record(db, actor, user.Id, action, detail: $"Link valid until {link.ExpiresAt:u}.");
        await db.SaveChangesAsync(cancellationToken);
        return true;
    }

    /// <summary>Sets a new password with a reset link, which then stops working; every portal session of the account ends.</summary>
    public async Task<Outcome<User>> ResetPasswordAsync(
        string? token, string? newPassword, string? address, Accounts accounts, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(accounts);
        var link = string.IsNullOrEmpty(token) ? null : await FindAsync(AccountLinkKind.PasswordReset, token, cancellationToken);
        var user = link?.UserId is { } userId ? await db.Users.SingleOrDefaultAsync(u => u.Id == userId, cancellationToken) : null;
        if (link is null || user is null)
        {
            return new Refused(StatusCodes.Status400BadRequest, "This reset link is not valid: it was used, replaced or has expired.",
                "Ask for a new one.");
        }
        if (Accounts.PasswordProblem(newPassword) is { } problem)
        {
            return new InvalidInput(FieldErrors.Of("newPassword", problem));
        }
        if (!await UseAsync(link, cancellationToken))
        {
            return new Refused(StatusCodes.Status400BadRequest, "This reset link is not valid: it was used, replaced or has expired.",
                "Ask for a new one.");
        }
        await accounts.SetPasswordAsync(user, newPassword!, cancellationToken);
        audit.Record(db, new Actor(user.Id, user.Email, address), user.Id, "account.password-reset", detail: "Every portal session ended.");
        await db.SaveChangesAsync(cancellationToken);
        return user;
    }

    /// <summary>Mails an invitation: its link lets this address sign up once, even while sign-up is closed.</summary>
    public async Task<Outcome<AccountLink>> InviteAsync(Actor actor, string? email, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(actor);
        email = email?.Trim() ?? "";
        if (email.Length == 0 || email.Length > 254 || !MailAddress.TryCreate(email, out var parsed) || parsed.Address != email)
        {
            return new InvalidInput(FieldErrors.Of("email", "Enter a valid e-mail address, like name@example.com."));
        }
        var emailKey = email.ToUpperInvariant();
        if (await db.Users.AnyAsync(u => u.EmailKey == emailKey, cancellationToken))
        {
            return new InvalidInput(FieldErrors.Of("email", "An account with this e-mail address already exists."));
        }
        var (link, token) = NewLink(AccountLinkKind.Invitation, email, actor, options.Value.InvitationLifetime);
        if (!await platformMail.QueueSealedAsync(db, email, "You are invited to Shoal",
                $"{actor.Name} invites you to create an account on Shoal, an IoT platform.\n\n"
                + $"Sign up with this address through this link before {link.ExpiresAt:u}. It works once:\n"
                + $"{portal.Link($"{InvitationPath}?invitation={token}")}", cancellationToken))
        {
            return NoMailServer;
        }
        db.AccountLinks.Add(link);
        audit.Record(db, actor, actor.RequiredId, "user.invited", detail: $"Invited {email}; the link works until {link.ExpiresAt:u}.");
        await db.SaveChangesAsync(cancellationToken);
        return link;
    }

    public Task<List<AccountLink>> PendingInvitationsAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        return db.AccountLinks.AsNoTracking()
            .Where(l => l.Kind == AccountLinkKind.Invitation && l.UsedAt == null && l.ExpiresAt > now)
            .OrderByDescending(l => l.CreatedAt).ToListAsync(cancellationToken);
    }

    public async Task<bool> WithdrawInvitationAsync(Actor actor, Guid id, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(actor);
        var link = await db.AccountLinks.SingleOrDefaultAsync(l => l.Id == id && l.Kind == AccountLinkKind.Invitation && l.UsedAt == null, cancellationToken);
        if (link is null)
        {
            return false;
        }
        link.UsedAt = time.GetUtcNow();
        audit.Record(db, actor, actor.RequiredId, "user.invitation-withdrawn", detail: $"Invitation of {link.Email}.");
        await db.SaveChangesAsync(cancellationToken);
        return true;
    }

    private (AccountLink Link, string Token) NewLink(AccountLinkKind kind, string email, Actor actor, TimeSpan lifetime)
    {
        var token = RandomSecrets.LinkToken();
        var now = time.GetUtcNow();
        return (new AccountLink
        {
            Id = Guid.CreateVersion7(now),
            Kind = kind,
            Email = email,
            EmailKey = email.ToUpperInvariant(),
            TokenHash = hasher.Hash(token),
            CreatedById = actor.Id,
            CreatedAt = now,
            ExpiresAt = now + lifetime,
        }, token);
    }
}
