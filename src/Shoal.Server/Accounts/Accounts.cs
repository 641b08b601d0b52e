using System.Net.Mail;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Shoal.Delivery.Mail;
using Shoal.Server.Applications;
using Shoal.Server.Audit;
using Shoal.Server.Common;
using Shoal.Server.Security;
using Shoal.Storage;
using Shoal.Storage.Entities;

namespace Shoal.Server.Accounts;

internal sealed record SignUp(string? Email, string? Password, string? DisplayName, bool AcceptTerms, string? Invitation = null);

internal sealed record ProfileChange(string? DisplayName, string? Email, string? CurrentPassword);

/// <summary>Sign-up, sign-in, passwords, the profile and personal API tokens.</summary>
internal sealed class Accounts(
    ShoalDb db,
    IPasswordHasher<User> passwords,
    SignInThrottle throttle,
    SecretHasher hasher,
    AuditLog audit,
    ApplicationFactory applicationFactory,
    AccountLinks links,
    PlatformMail platformMail,
    IOptions<AccountOptions> options,
    TimeProvider time)
{
    public const int MinPasswordLength = 10;
    private static readonly User Nobody = new() { Email = "", EmailKey = "", DisplayName = "", PasswordHash = "" };
    private static string? _nobodysHash;
    public const int MaxPasswordLength = 128;

    public async Task<Outcome<User>> SignUpAsync(SignUp input, string? address, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        var errors = new FieldErrors();
        var email = input.Email?.Trim() ?? "";
        if (email.Length == 0)
        {
            errors.Add("email", "Enter your e-mail address.");
        }
        else if (email.Length > 254 || !MailAddress.TryCreate(email, out var parsed) || parsed.Address != email)
        {
            errors.Add("email", "Enter a valid e-mail address, like name@example.com.");
        }
        var password = input.Password ?? "";
        if (PasswordProblem(password) is { } passwordProblem)
        {
            errors.Add("password", passwordProblem);
        }
        var displayName = string.IsNullOrWhiteSpace(input.DisplayName) ? email.Split('@')[0] : input.DisplayName.Trim();
        if (DisplayNameProblem(displayName) is { } nameProblem)
        {
            errors.Add("displayName", nameProblem);
        }
        if (!input.AcceptTerms)
        {
            errors.Add("acceptTerms", "Accept the Terms of Personal Data Use to create an account.");
        }
        var emailKey = email.ToUpperInvariant();
        AccountLink? invitation = null;
        if (!string.IsNullOrEmpty(input.Invitation))
        {
            invitation = await links.FindAsync(AccountLinkKind.Invitation, input.Invitation, cancellationToken);
            if (invitation is null)
            {
                return new Refused(StatusCodes.Status400BadRequest, "This invitation is not valid: it was used, withdrawn or has expired.",
                    "Ask the operator for a new one.");
            }
            if (invitation.EmailKey != emailKey && email.Length > 0)
            {
                errors.Add("email", $"This invitation is for {invitation.Email}: sign up with that address.");
            }
        }
        else if (!await SignUpOpenAsync(cancellationToken))
        {
            return SignUpClosed;
        }
        if (!errors.Any && await db.Users.AnyAsync(u => u.EmailKey == emailKey, cancellationToken))
        {
            errors.Add("email", "An account with this e-mail address already exists. Sign in instead.");
        }
        if (errors.Any)
        {
            return new InvalidInput(errors);
        }

        var now = time.GetUtcNow();
        var user = new User
        {
            Id = Guid.CreateVersion7(now),
            Email = email,
            EmailKey = emailKey,
            DisplayName = displayName,
            PasswordHash = "",
            SecurityStamp = NewStamp(),
            IsOperator = !await db.Users.AnyAsync(cancellationToken),
            ApplicationQuota = options.Value.DefaultApplicationQuota,
            CreatedAt = now,
        };
        user.PasswordHash = passwords.HashPassword(user, password);
        db.Users.Add(user);
        var defaultApplication = await applicationFactory.CreateDefaultAsync(user, cancellationToken);
        db.Applications.Add(defaultApplication);
        var actor = new Actor(user.Id, user.Email, address);
        if (invitation is not null)
        {
            // Single use even when two sign-ups race: only the one that marks it unused-to-used goes on.
            if (!await links.UseAsync(invitation, cancellationToken))
            {
                return new Refused(StatusCodes.Status400BadRequest, "This invitation is not valid: it was used, withdrawn or has expired.",
                    "Ask the operator for a new one.");
            }
        }
        audit.Record(db, actor, user.Id, "account.created",
            detail: user.IsOperator ? "First account: operator." : invitation is not null ? "Invited." : null);
        audit.Record(db, actor, user.Id, "application.created", defaultApplication.Id, "Default application.");
        await db.SaveChangesAsync(cancellationToken);
        return user;
    }

    /// <summary>Checks e-mail and password, refusing once an address has failed too often, for this account or for any.</summary>
    public async Task<Outcome<User>> AuthenticateAsync(string? email, string? password, string? address, CancellationToken cancellationToken)
    {
        var accountKey = "account:" + (email?.Trim().ToUpperInvariant() ?? "");
        var addressKey = "address:" + (address ?? "unknown");
        var wait = Max(
            throttle.RetryAfter(accountKey, address, options.Value.SignInFailuresPerAccount),
            throttle.RetryAfter(addressKey, options.Value.SignInFailuresPerAddress));
        if (wait is { } retryAfter)
        {
            return new Throttled(retryAfter);
        }

        var emailKey = email?.Trim().ToUpperInvariant();
        var user = emailKey is null ? null : await db.Users.SingleOrDefaultAsync(u => u.EmailKey == emailKey, cancellationToken);
        // An unknown e-mail costs the same hash as a known one, so timing does not tell which accounts exist.
        var candidate = user ?? Nobody;
        var hash = user?.PasswordHash ?? (_nobodysHash ??= passwords.HashPassword(Nobody, Guid.NewGuid().ToString()));
        var verified = passwords.VerifyHashedPassword(candidate, hash, password ?? "") != PasswordVerificationResult.Failed
            && user is not null && password is not null;
        if (!verified)
        {
            throttle.Fail(accountKey, address);
            throttle.Fail(addressKey);
            return new Refused(StatusCodes.Status401Unauthorized, "The e-mail address or the password is wrong.");
        }
        throttle.Succeed(accountKey, address);
        if (user!.FrozenAt is not null)
        {
            return new Refused(StatusCodes.Status403Forbidden, "This account is frozen.", "Ask the operator to unfreeze it.");
        }
        return user;
    }

    public async Task<Outcome<(ApiToken Token, string Plaintext)>> IssueTokenAsync(
        User user, string? name, DateTimeOffset? expiresAt, string? address, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(user);
        var errors = new FieldErrors();
        name = name?.Trim();
        if (string.IsNullOrEmpty(name) || name.Length > 100)
        {
            errors.Add("name", "Name the token (1 to 100 characters) so you can tell it apart later.");
        }
        var now = time.GetUtcNow();
        if (expiresAt <= now)
        {
            errors.Add("expiresAt", "Choose an expiry in the future, or none.");
        }
        if (errors.Any)
        {
            return new InvalidInput(errors);
        }
        var plaintext = RandomSecrets.ApiToken();
        var token = new ApiToken
        {
            Id = Guid.CreateVersion7(now),
            UserId = user.Id,
            Name = name!,
            TokenHash = hasher.Hash(plaintext),
            Prefix = plaintext[..10],
            CreatedAt = now,
            ExpiresAt = expiresAt?.ToUniversalTime(),
        };
        db.ApiTokens.Add(token);
        audit.Record(db, new Actor(user.Id, user.Email, address), user.Id, "token.created", detail: $"Token '{token.Name}' ({token.Prefix}…).");
        await db.SaveChangesAsync(cancellationToken);
        return (token, plaintext);
    }

    public async Task<bool> RevokeTokenAsync(Actor actor, Guid tokenId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(actor);
        var token = await db.ApiTokens.SingleOrDefaultAsync(t => t.Id == tokenId && t.UserId == actor.Id, cancellationToken);
        if (token is null)
        {
            return false;
        }
        token.RevokedAt ??= time.GetUtcNow();
        audit.Record(db, actor, actor.RequiredId, "token.revoked", detail: $"Token '{token.Name}' ({token.Prefix}…).");
        await db.SaveChangesAsync(cancellationToken);
        return true;
    }

    public static Failure SignUpClosed { get; } =
        new Refused(StatusCodes.Status403Forbidden, "Sign-up is closed.", "Ask the operator of this Shoal for an invitation.");

    /// <summary>Open unless the operator closed it; the first account of a fresh install may always sign up.</summary>
    public async Task<bool> SignUpOpenAsync(CancellationToken cancellationToken) =>
        await db.PlatformSettings.Select(s => (bool?)s.SignUpOpen).SingleOrDefaultAsync(cancellationToken) != false
        || !await db.Users.AnyAsync(cancellationToken);

    /// <summary>What is wrong with a new password, or null: the one rule for sign-up, change and reset.</summary>
    public static string? PasswordProblem(string? password) =>
        password is null || password.Length < MinPasswordLength || password.Length > MaxPasswordLength
            ? $"Choose a password of {MinPasswordLength} to {MaxPasswordLength} characters."
            : null;

    private static string? DisplayNameProblem(string displayName) =>
        displayName.Length > 100 ? "Use at most 100 characters for your name." : null;

    public static string NewStamp() => Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16));

    /// <summary>
    /// Changes the password of the signed-in user after checking the current one (counted as a sign-in failure when
    /// wrong). Every other portal session ends and unused reset links stop working; API tokens stay, each revoked on its own.
    /// </summary>
    public async Task<Outcome<User>> ChangePasswordAsync(Actor actor, string? currentPassword, string? newPassword, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(actor);
        var user = await db.Users.SingleOrDefaultAsync(u => u.Id == actor.RequiredId, cancellationToken);
        if (user is null)
        {
            return new Missing("Account");
        }
        if (await CheckPasswordAsync(user, currentPassword, actor.Address, cancellationToken) is { } refused)
        {
            return refused;
        }
        if (PasswordProblem(newPassword) is { } problem)
        {
            return new InvalidInput(FieldErrors.Of("newPassword", problem));
        }
        await SetPasswordAsync(user, newPassword!, cancellationToken);
        audit.Record(db, actor, user.Id, "account.password-changed", detail: "Other portal sessions ended.");
        await db.SaveChangesAsync(cancellationToken);
        return user;
    }

    /// <summary>Sets a new password and stamp: sessions under the old stamp end, and reset links not yet used stop working.</summary>
    public async Task SetPasswordAsync(User user, string password, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(user);
        user.PasswordHash = passwords.HashPassword(user, password);
        user.SecurityStamp = NewStamp();
        await links.WithdrawResetsAsync(user.Id, cancellationToken);
    }

    /// <summary>
    /// Changes the name and the e-mail address. A new address needs the current password, must be free, and is told to
    /// the old address, so that whoever took over a session cannot quietly move the account away.
    /// </summary>
    public async Task<Outcome<User>> UpdateProfileAsync(Actor actor, ProfileChange change, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(actor);
        ArgumentNullException.ThrowIfNull(change);
        var user = await db.Users.SingleOrDefaultAsync(u => u.Id == actor.RequiredId, cancellationToken);
        if (user is null)
        {
            return new Missing("Account");
        }
        var errors = new FieldErrors();
        var displayName = string.IsNullOrWhiteSpace(change.DisplayName) ? user.DisplayName : change.DisplayName.Trim();
        if (DisplayNameProblem(displayName) is { } nameProblem)
        {
            errors.Add("displayName", nameProblem);
        }
        var email = string.IsNullOrWhiteSpace(change.Email) ? user.Email : change.Email.Trim();
        var emailKey = email.ToUpperInvariant();
        var emailChanged = emailKey != user.EmailKey;
        if (emailChanged)
        {
            if (email.Length > 254 || !MailAddress.TryCreate(email, out var parsed) || parsed.Address != email)
            {
                errors.Add("email", "Enter a valid e-mail address, like name@example.com.");
            }
            else if (await db.Users.AnyAsync(u => u.EmailKey == emailKey, cancellationToken))
            {
                errors.Add("email", "Another account uses this e-mail address.");
            }
        }
        if (errors.Any)
        {
            return new InvalidInput(errors);
        }
        if (emailChanged && await CheckPasswordAsync(user, change.CurrentPassword, actor.Address, cancellationToken) is { } refused)
        {
            return refused;
        }
        var changes = new List<string>();
        if (displayName != user.DisplayName)
        {
            changes.Add($"Name '{user.DisplayName}' → '{displayName}'.");
            user.DisplayName = displayName;
        }
        if (email != user.Email)
        {
            changes.Add($"E-mail {user.Email} → {email}.");
            if (emailChanged)
            {
                await platformMail.QueueSealedAsync(db, user.Email, "The e-mail address of your Shoal account was changed",
                    $"The e-mail address of your Shoal account was changed from {user.Email} to {email} at {time.GetUtcNow():u}.\n\n"
                    + "If you did not do this, tell the operator of your Shoal at once.", cancellationToken);
                await links.WithdrawResetsAsync(user.Id, cancellationToken);
            }
            user.Email = email;
            user.EmailKey = emailKey;
        }
        if (changes.Count > 0)
        {
            audit.Record(db, actor, user.Id, "account.profile-changed", detail: string.Join(" ", changes));
            await db.SaveChangesAsync(cancellationToken);
        }
        return user;
    }

    /// <summary>Checks the signed-in user's current password, throttled as a sign-in is, so a stolen session cannot guess it.</summary>
    private async Task<Failure?> CheckPasswordAsync(User user, string? password, string? address, CancellationToken cancellationToken)
    {
        var outcome = await AuthenticateAsync(user.Email, password, address, cancellationToken);
        return outcome.Succeeded ? null
            : outcome.Failure is Refused { Code: StatusCodes.Status401Unauthorized }
                ? new InvalidInput(FieldErrors.Of("currentPassword", "The current password is wrong."))
                : outcome.Failure;
    }

    private static TimeSpan? Max(TimeSpan? a, TimeSpan? b) => a > b || b is null ? a : b;
}
