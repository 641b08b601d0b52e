namespace Shoal.Storage.Entities;

/// <summary>An access and refresh token pair an NA received at login. Both are stored as keyed hashes only.</summary>
public sealed class NorthboundToken
{
    public long Id { get; set; }
    public required string ApplicationId { get; set; }
    public required byte[] AccessTokenHash { get; set; }
    public required byte[] RefreshTokenHash { get; set; }
    public DateTimeOffset IssuedAt { get; set; }
    public DateTimeOffset AccessExpiresAt { get; set; }
    public DateTimeOffset RefreshExpiresAt { get; set; }
    public DateTimeOffset? RevokedAt { get; set; }
}
