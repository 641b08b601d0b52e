using System.ComponentModel.DataAnnotations;

namespace Shoal.Server.Hosting;

public sealed class ShoalOptions
{
    public const string Section = "Shoal";

    /// <summary>Folder for the SQLite database, keys and certificates. Default: <c>data</c> beside the working directory.</summary>
    [Required]
    public string DataDirectory { get; set; } = "data";

    /// <summary>
    /// The host name NAs and devices reach this server by, used in every address derived from a listener. Default: the
    /// listener's own host, or <c>localhost</c> for a listener on every interface.
    /// </summary>
    public string? PublicHost { get; set; }

    /// <summary>The address NAs use, when it is not the northbound listener's (a balancer, a port forward).</summary>
    public string? ApplicationAccessAddress { get; set; }

    /// <summary>The MQTT address devices use, when it is not the MQTT listener's; empty hides it.</summary>
    public string? DeviceAccessAddress { get; set; }

    /// <summary>The MQTTS address devices use, when it is not the MQTTS listener's; empty hides it.</summary>
    public string? DeviceMqttsAccessAddress { get; set; }

    /// <summary>The address of HTTPS device access, when it is not its listener's; empty hides it.</summary>
    public string? DeviceHttpsAccessAddress { get; set; }

    /// <summary>The CoAP address of LwM2M devices, when it is not the CoAP listener's; empty hides it.</summary>
    public string? DeviceCoapAccessAddress { get; set; }

    /// <summary>The CoAP-over-DTLS address of LwM2M devices, when it is not its listener's; empty hides it.</summary>
    public string? DeviceCoapsAccessAddress { get; set; }

    /// <summary>
    /// The portal's address in the links Shoal mails (password resets, invitations). Default: the portal listener's,
    /// with <see cref="PublicHost"/>. Never taken from a request, whose Host header anyone can set.
    /// </summary>
    public string? PortalAddress { get; set; }

    /// <summary>Version of the Terms of Personal Data Use a user accepts. Default: <c>2026-11</c>.</summary>
    [Required]
    public string TermsVersion { get; set; } = "2026-11";

    /// <summary>Base64 key for hashing secrets and tokens. Default: generated into the data folder on first start.</summary>
    public string? SecretHashKey { get; set; }

    /// <summary>
    /// Base64 of 32 random bytes that seals the Data Protection keys in the data folder, so that a copy of the folder
    /// alone decrypts no secret. Default: none (keys are written as they are). Keep it outside the data folder.
    /// </summary>
    public string? KeyEncryptionKey { get; set; }
}
