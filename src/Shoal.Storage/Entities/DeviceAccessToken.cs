namespace Shoal.Storage.Entities;

/// <summary>
/// A token a device received from HTTPS device authentication. Only its SHA-256 hash is stored: any node sharing the
/// database can check a token, and a copy of the database opens no device's door.
/// </summary>
public sealed class DeviceAccessToken
{
    public long Id { get; set; }
    public required string DeviceId { get; set; }
    public required byte[] TokenHash { get; set; }
    public DateTimeOffset IssuedAt { get; set; }
    public DateTimeOffset ExpiresAt { get; set; }
}
