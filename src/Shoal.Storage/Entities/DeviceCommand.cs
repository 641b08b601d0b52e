namespace Shoal.Storage.Entities;

/// <summary>A command an NA sent to a device, and how far it got.</summary>
public sealed class DeviceCommand
{
    public required string Id { get; set; }
    public required string ApplicationId { get; set; }
    /// <summary>The application whose NA sent the command through a grant; null when the device's own application sent it.</summary>
    public string? IssuerId { get; set; }
    public required string DeviceId { get; set; }
    public required string ServiceId { get; set; }
    public required string Method { get; set; }
    /// <summary>The command's parameters as a JSON object.</summary>
    public required string Paras { get; set; }
    public string? CallbackUrl { get; set; }
    /// <summary>Seconds the NA allowed for delivery, as it asked; 0 means now or never.</summary>
    public int ExpireTime { get; set; }
    /// <summary>When a command not yet delivered becomes EXPIRED.</summary>
    public DateTimeOffset ExpiresAt { get; set; }
    /// <summary>How many times a publish without PUBACK is repeated (0–3).</summary>
    public int MaxRetransmit { get; set; }
    /// <summary>How many times the command was published to the device.</summary>
    public int IssuedTimes { get; set; }
    public DeviceCommandStatus Status { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? SentAt { get; set; }
    public DateTimeOffset? DeliveredAt { get; set; }
    public DateTimeOffset? CompletedAt { get; set; }
    /// <summary>The device's response, <c>{"result_code","response_name","paras"}</c>, once it answered.</summary>
    public string? Result { get; set; }
    /// <summary>Bumped by every change: nodes and workers that race on one command cannot both move it.</summary>
    public int Version { get; set; }

    /// <summary>Moves the command to <paramref name="status"/> and bumps its version.</summary>
    public void MoveTo(DeviceCommandStatus status)
    {
        Status = status;
        Version++;
    }
}

public enum DeviceCommandStatus
{
    Pending,
    Sent,
    Delivered,
    Successful,
    Failed,
    Timeout,
    Expired,
    Canceled,
}
