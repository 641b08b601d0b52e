using System.Net.Mail;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Shoal.Server.Applications;
using Shoal.Server.Audit;
using Shoal.Server.Common;
using Shoal.Server.Security;
using Shoal.Storage;
using Shoal.Storage.Entities;

namespace Shoal.Server.Accounts;

internal sealed record SignUp(string? Email, string? Password, string? DisplayName, bool AcceptTerms);

/// <summary>Sign-up, sign-in and personal API tokens.</summary>
internal sealed class Accounts(
    ShoalDb db,
    IPasswordHasher<User> passwords,
    SignInThrottle throttle,
    SecretHasher hasher,
    AuditLog audit,
    ApplicationFactory applicationFactory,
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
        if (password.Length < MinPasswordLength || password.Length > MaxPasswordLength)
        {
            errors.Add("password", $"Choose a password of {MinPasswordLength} to {MaxPasswordLength} characters.");
        }
        var displayName = string.IsNullOrWhiteSpace(input.DisplayName) ? email.Split('@')[0] : input.DisplayName.Trim();
        if (displayName.Length > 100)
        {
            errors.Add("displayName", "Use at most 100 characters for your name.");
        }
        if (!input.AcceptTerms)
        {
            errors.Add("acceptTerms", "Accept the Terms of Personal Data Use to create an account.");
        }
        var emailKey = email.ToUpperInvariant();
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
            IsOperator = !await db.Users.AnyAsync(cancellationToken),
            ApplicationQuota = options.Value.DefaultApplicationQuota,
            CreatedAt = now,
        };
        user.PasswordHash = passwords.HashPassword(user, password);
        db.Users.Add(user);
        var defaultApplication = await applicationFactory.CreateDefaultAsync(user, cancellationToken);
        db.Applications.Add(defaultApplication);
        var actor = new Actor(user.Id, user.Email, address);
        audit.Record(db, actor, user.Id, "account.created", detail: user.IsOperator ? "First account: operator." : null);
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

    private static TimeSpan? Max(TimeSpan? a, TimeSpan? b) => a > b || b is null ? a : b;
}
