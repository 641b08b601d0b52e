using System.ComponentModel.DataAnnotations;

namespace Shoal.Server.Hosting;

public sealed class ShoalOptions
{
    public const string Section = "Shoal";

    /// <summary>Folder for the SQLite database, keys and certificates. Default: <c>data</c> beside the working directory.</summary>
    [Required]
    public string DataDirectory { get; set; } = "data";

    /// <summary>The address NAs use, shown on every application. Default: <c>https://localhost:8743</c>.</summary>
    [Required, Url]
    public string ApplicationAccessAddress { get; set; } = "https://localhost:8743";

    /// <summary>The address devices use, shown on every application. Default: <c>mqtt://localhost:1883</c>.</summary>
    [Required]
    public string DeviceAccessAddress { get; set; } = "mqtt://localhost:1883";

    /// <summary>The address of HTTPS device access, shown on every application; empty hides it. Default: <c>https://localhost:8943</c>.</summary>
    public string? DeviceHttpsAccessAddress { get; set; } = "https://localhost:8943";

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
