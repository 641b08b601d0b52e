namespace Shoal.Storage.Entities;

public sealed class ApiToken
{
    public Guid Id { get; set; }
    public Guid UserId { get; set; }
    public required string Name { get; set; }
    /// <summary>Keyed hash of the token; the token itself is shown once and never stored.</summary>
    public required byte[] TokenHash { get; set; }
    /// <summary>The first characters of the token, so a user can tell tokens apart.</summary>
    public required string Prefix { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? ExpiresAt { get; set; }
    public DateTimeOffset? RevokedAt { get; set; }
    public DateTimeOffset? LastUsedAt { get; set; }
}
