using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Shoal.Server.Tests.Infrastructure;

/// <summary>Self-signed CA certificates and keys made on the spot, as PEM text.</summary>
public static class Certificates
{
    public static string CaPem(string subject = "CN=Shoal Test CA", DateTimeOffset? notBefore = null, DateTimeOffset? notAfter = null)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        using var certificate = request.CreateSelfSigned(
            notBefore ?? DateTimeOffset.UtcNow.AddDays(-1), notAfter ?? DateTimeOffset.UtcNow.AddYears(1));
        return certificate.ExportCertificatePem();
    }

    public static string PrivateKeyPem()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        return key.ExportPkcs8PrivateKeyPem();
    }
}
