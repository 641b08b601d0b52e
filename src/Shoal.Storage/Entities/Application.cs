namespace Shoal.Storage.Entities;

public sealed class Application
{
    /// <summary>The application ID the NA logs in with.</summary>
    public required string Id { get; set; }
    public Guid OwnerId { get; set; }
    public required string Name { get; set; }
    /// <summary>Upper-cased name: names are unique per owner regardless of case.</summary>
    public required string NameKey { get; set; }
    public bool IsDefault { get; set; }
    public required string Industry { get; set; }

    public TracingAuthorization Tracing { get; set; }
    /// <summary>End of a Custom tracing authorization; null for Off and Always.</summary>
    public DateTimeOffset? TracingUntil { get; set; }

    public PushProtocol PushProtocol { get; set; }
    /// <summary>PEM bundle of the NA's CA certificates, used as the only trust root for HTTPS pushes.</summary>
    public string? CaCertificatesPem { get; set; }
    /// <summary>Trust the built-in commissioning CA instead (testing only).</summary>
    public bool UseCommissioningCa { get; set; }

    public bool DataManagement { get; set; }
    public int StorageDays { get; set; }
    public bool PushService { get; set; }
    public string? Description { get; set; }
    public byte[]? Icon { get; set; }
    public string? IconContentType { get; set; }

    /// <summary>
    /// The JSON definition that maps its CoAP devices' bytes to properties and commands, as the owner saved it;
    /// null when the devices use the reference JSON or plain messages.
    /// </summary>
    public string? Codec { get; set; }
    public const int CodecMaxLength = 16 * 1024;

    public Guid? EmailServerId { get; set; }
    public Guid? SmsServerId { get; set; }

    /// <summary>Keyed hash of the current secret; null while the application has no usable secret.</summary>
    public byte[]? SecretHash { get; set; }
    public byte[]? PreviousSecretHash { get; set; }
    public DateTimeOffset? PreviousSecretValidUntil { get; set; }
    /// <summary>Everything issued with a secret before this instant (northbound tokens) is void.</summary>
    public DateTimeOffset CredentialsIssuedAfter { get; set; }

    public required string TermsVersion { get; set; }
    public DateTimeOffset TermsAcceptedAt { get; set; }
    public Guid TermsAcceptedBy { get; set; }

    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
    public DateTimeOffset? FrozenAt { get; set; }
}

public enum TracingAuthorization
{
    Off,
    Always,
    Custom,
}

public enum PushProtocol
{
    Http,
    Https,
}
