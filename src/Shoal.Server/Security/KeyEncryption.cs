using System.Security.Cryptography;
using System.Text;
using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection.XmlEncryption;

namespace Shoal.Server.Security;

/// <summary>
/// Protects the Data Protection keys in the data folder with a key-encryption key kept elsewhere (the environment, a
/// secret store): a copy of the data folder alone then decrypts no device secret and no SMTP password. AES-256-GCM;
/// each key file holds its own nonce and tag.
/// </summary>
internal sealed class KeyEncryptionKey
{
    private const int NonceBytes = 12;
    private const int TagBytes = 16;
    private readonly byte[] _key;

    private KeyEncryptionKey(byte[] key) => _key = key;

    /// <summary>The key from its base64 setting, or null when none is set; a malformed one stops Shoal at start.</summary>
    public static KeyEncryptionKey? From(string? base64, string setting)
    {
        if (string.IsNullOrWhiteSpace(base64))
        {
            return null;
        }
        var key = new byte[32];
        return Convert.TryFromBase64String(base64.Trim(), key, out var written) && written == key.Length
            ? new KeyEncryptionKey(key)
            : throw new InvalidOperationException($"{setting} must be 32 random bytes in base64 (for example: openssl rand -base64 32).");
    }

    public string Seal(string plaintext)
    {
        var data = Encoding.UTF8.GetBytes(plaintext);
        var sealedBytes = new byte[NonceBytes + TagBytes + data.Length];
        var nonce = sealedBytes.AsSpan(0, NonceBytes);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(_key, TagBytes);
        aes.Encrypt(nonce, data, sealedBytes.AsSpan(NonceBytes + TagBytes), sealedBytes.AsSpan(NonceBytes, TagBytes));
        return Convert.ToBase64String(sealedBytes);
    }

    public string Open(string sealedText)
    {
        var sealedBytes = Convert.FromBase64String(sealedText);
        var data = new byte[sealedBytes.Length - NonceBytes - TagBytes];
        using var aes = new AesGcm(_key, TagBytes);
        aes.Decrypt(sealedBytes.AsSpan(0, NonceBytes), sealedBytes.AsSpan(NonceBytes + TagBytes), sealedBytes.AsSpan(NonceBytes, TagBytes), data);
        return Encoding.UTF8.GetString(data);
    }
}

/// <summary>Writes each new Data Protection key sealed with the <see cref="KeyEncryptionKey"/>.</summary>
internal sealed class KeyEncryptionKeyEncryptor(KeyEncryptionKey key) : IXmlEncryptor
{
    public EncryptedXmlInfo Encrypt(XElement plaintextElement)
    {
        ArgumentNullException.ThrowIfNull(plaintextElement);
        var sealedKey = new XElement("sealedKey",
            new XComment(" Sealed with Shoal:KeyEncryptionKey (AES-256-GCM). "),
            new XElement("value", key.Seal(plaintextElement.ToString(SaveOptions.DisableFormatting))));
        return new EncryptedXmlInfo(sealedKey, typeof(KeyEncryptionKeyDecryptor));
    }
}

/// <summary>Reads a key sealed by <see cref="KeyEncryptionKeyEncryptor"/>; Data Protection creates it with the service provider.</summary>
internal sealed class KeyEncryptionKeyDecryptor(IServiceProvider services) : IXmlDecryptor
{
    public XElement Decrypt(XElement encryptedElement)
    {
        ArgumentNullException.ThrowIfNull(encryptedElement);
        var key = services.GetService<KeyEncryptionKey>()
            ?? throw new InvalidOperationException("A Data Protection key is sealed, but Shoal:KeyEncryptionKey is not set.");
        return XElement.Parse(key.Open((string)encryptedElement.Element("value")!));
    }
}
