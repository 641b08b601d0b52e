namespace Shoal.Storage.Entities;

/// <summary>One change, as its owner reads it: who did what, when, from where.</summary>
public sealed class AuditEntry
{
    public long Id { get; set; }
    /// <summary>The application the change concerns, if any.</summary>
    public string? ApplicationId { get; set; }
    /// <summary>The user whose log shows the entry (the application's owner, or the user acted upon).</summary>
    public Guid SubjectUserId { get; set; }
    public Guid? ActorId { get; set; }
    public required string Actor { get; set; }
    public required string Action { get; set; }
    public string? Detail { get; set; }
    public string? Address { get; set; }
    public DateTimeOffset At { get; set; }
}
