using Microsoft.AspNetCore.DataProtection;

namespace Shoal.Server.Security;

/// <summary>Encrypts secrets that Shoal must read back (SMTP passwords, SMS gateway headers) with Data Protection.</summary>
internal sealed class SecretProtector(IDataProtectionProvider provider)
{
    private readonly IDataProtector _protector = provider.CreateProtector("Shoal.MessageServerSecrets.v1");

    public string? Protect(string? plaintext) => string.IsNullOrEmpty(plaintext) ? null : _protector.Protect(plaintext);

    public string? Unprotect(string? protectedText) => protectedText is null ? null : _protector.Unprotect(protectedText);
}
