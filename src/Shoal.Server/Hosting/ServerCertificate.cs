using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Shoal.Server.Hosting;

/// <summary>The TLS certificate of Shoal's own endpoints: the configured one, else a self-signed one made once in the data folder.</summary>
internal static class ServerCertificate
{
    public static X509Certificate2 Load(string? path, string? password, string dataDirectory)
    {
        if (!string.IsNullOrWhiteSpace(path))
        {
            return X509CertificateLoader.LoadPkcs12FromFile(path, password);
        }
        var generated = Path.Combine(dataDirectory, "certs", "server.pfx");
        if (!File.Exists(generated))
        {
            Directory.CreateDirectory(Path.GetDirectoryName(generated)!);
            File.WriteAllBytes(generated, CreateSelfSigned().Export(X509ContentType.Pfx));
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(generated, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }
        }
        return X509CertificateLoader.LoadPkcs12FromFile(generated, null);
    }

    private static X509Certificate2 CreateSelfSigned()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=Shoal self-signed", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("localhost");
        names.AddDnsName(Environment.MachineName);
        names.AddIpAddress(IPAddress.Loopback);
        names.AddIpAddress(IPAddress.IPv6Loopback);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        var now = DateTimeOffset.UtcNow;
        return request.CreateSelfSigned(now.AddDays(-1), now.AddYears(5));
    }
}
