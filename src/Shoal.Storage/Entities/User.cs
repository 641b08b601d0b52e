namespace Shoal.Storage.Entities;

public sealed class User
{
    public Guid Id { get; set; }
    public required string Email { get; set; }
    /// <summary>Upper-cased e-mail: the unique key, so sign-in is case-insensitive on every database.</summary>
    public required string EmailKey { get; set; }
    public required string DisplayName { get; set; }
    public required string PasswordHash { get; set; }
    public bool IsOperator { get; set; }
    public int ApplicationQuota { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? FrozenAt { get; set; }
    /// <summary>Changes with the password: a portal session signed in under another stamp has ended.</summary>
    public string SecurityStamp { get; set; } = "";
    /// <summary>Bumped on every application creation so that two concurrent creations cannot both pass the quota.</summary>
    public int Version { get; set; }
}
