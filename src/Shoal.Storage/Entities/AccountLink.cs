namespace Shoal.Storage.Entities;

/// <summary>
/// A single-use link sent by e-mail: a password reset for an account, or an invitation to sign up. Only a keyed hash
/// of its token is stored; the token itself exists in the mail alone.
/// </summary>
public sealed class AccountLink
{
    public Guid Id { get; set; }
    public AccountLinkKind Kind { get; set; }
    /// <summary>The address the link was sent to: an invitation lets this address alone sign up.</summary>
    public required string Email { get; set; }
    /// <summary>The upper-cased <see cref="Email"/>.</summary>
    public required string EmailKey { get; set; }
    /// <summary>The account a reset is for; null for an invitation.</summary>
    public Guid? UserId { get; set; }
    public required byte[] TokenHash { get; set; }
    public Guid? CreatedById { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset ExpiresAt { get; set; }
    public DateTimeOffset? UsedAt { get; set; }
}

public enum AccountLinkKind
{
    PasswordReset,
    Invitation,
}
