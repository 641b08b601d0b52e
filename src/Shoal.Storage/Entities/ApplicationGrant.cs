namespace Shoal.Storage.Entities;

/// <summary>Application <see cref="GrantorId"/> lets application <see cref="GranteeId"/> reach its devices.</summary>
public sealed class ApplicationGrant
{
    public Guid Id { get; set; }
    public required string GrantorId { get; set; }
    public required string GranteeId { get; set; }
    public GrantLevel Level { get; set; }
    public DateTimeOffset? ExpiresAt { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public Guid CreatedBy { get; set; }
}

public enum GrantLevel
{
    /// <summary>Read devices, data and commands.</summary>
    View,
    /// <summary>Also register, modify and delete devices, send commands and subscribe.</summary>
    Edit,
}
