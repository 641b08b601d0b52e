using System.Security.Cryptography;
using System.Text;

namespace Shoal.Server.Security;

/// <summary>
/// Keyed hashes of high-entropy secrets (application secrets, API tokens). A slow hash buys nothing
/// for 190-bit random values; the key keeps a stolen database from being checked offline.
/// </summary>
internal sealed class SecretHasher(byte[] key)
{
    public byte[] Hash(string secret) => HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(secret));

    public bool Matches(string secret, byte[]? expectedHash) =>
        expectedHash is not null && CryptographicOperations.FixedTimeEquals(Hash(secret), expectedHash);

    /// <summary>Reads the key from configuration, else from the data folder, creating it on first start.</summary>
    public static SecretHasher Load(string? configuredKey, string keysDirectory)
    {
        if (!string.IsNullOrWhiteSpace(configuredKey))
        {
            return new SecretHasher(Convert.FromBase64String(configuredKey));
        }
        var path = Path.Combine(keysDirectory, "secret-hash.key");
        if (!File.Exists(path))
        {
            Directory.CreateDirectory(keysDirectory);
            var created = RandomNumberGenerator.GetBytes(32);
            File.WriteAllText(path, Convert.ToBase64String(created));
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }
        }
        return new SecretHasher(Convert.FromBase64String(File.ReadAllText(path).Trim()));
    }
}
