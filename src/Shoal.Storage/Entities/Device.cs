namespace Shoal.Storage.Entities;

/// <summary>A device registered in an application, as the northbound API describes it.</summary>
public sealed class Device
{
    /// <summary>The Data Protection purpose of <see cref="ProtectedSecret"/>, shared by the registry that writes it and the gateway that reads it.</summary>
    public const string SecretProtectionPurpose = "Shoal.DeviceSecrets.v1";

    /// <summary>The longest <see cref="LastDisconnectReason"/> kept; a longer one is cut.</summary>
    public const int DisconnectReasonLength = 256;

    public required string Id { get; set; }
    public required string ApplicationId { get; set; }
    /// <summary>The device's own identifier (IMEI, MAC, serial), unique within its application.</summary>
    public required string NodeId { get; set; }
    public required string VerifyCode { get; set; }
    /// <summary>Encrypted device secret (the psk): the gateway needs it back to check the device's HMAC password.</summary>
    public required string ProtectedSecret { get; set; }
    public string? ProductId { get; set; }
    public string? Name { get; set; }
    public string? Manufacturer { get; set; }
    public string? Model { get; set; }
    public string? DeviceType { get; set; }
    public string? ProtocolType { get; set; }
    public string? Location { get; set; }
    public string? Description { get; set; }
    public DeviceStatus Status { get; set; }
    public bool Activated { get; set; }
    /// <summary>Seconds a registration waits for its first connection; 0 waits forever.</summary>
    public int Timeout { get; set; }
    /// <summary>When an unactivated registration is removed; null when it never is.</summary>
    public DateTimeOffset? RegistrationExpiresAt { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset LastModifiedAt { get; set; }
    public DateTimeOffset? LastSeenAt { get; set; }
    /// <summary>The gateway node that holds the device's live connection; null when none does.</summary>
    public string? ConnectedNode { get; set; }
    /// <summary>Why the device's last connection ended, as the gateway saw it; null before its first disconnection.</summary>
    public string? LastDisconnectReason { get; set; }
    public DateTimeOffset? LastDisconnectedAt { get; set; }
    /// <summary>The gateway this sub-device speaks through, in the same application; null for a device that connects itself.</summary>
    public string? GatewayId { get; set; }
    /// <summary>
    /// On a gateway: counts the changes to its sub-devices, one per addition or deletion. It is the version of the notices
    /// the gateway is sent, which the gateway gives back when it asks what changed.
    /// </summary>
    public long SubDevicesVersion { get; set; }

    public bool IsSubDevice => GatewayId is not null;

    /// <summary>The reference platform's node type: a device that connects is its own gateway; a sub-device is an endpoint.</summary>
    public string NodeType => IsSubDevice ? "ENDPOINT" : "GATEWAY";
}

public enum DeviceStatus
{
    Inactive,
    Online,
    Offline,
}
