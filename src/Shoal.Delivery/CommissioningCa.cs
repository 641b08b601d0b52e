using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Shoal.Delivery;

/// <summary>A server certificate issued by the commissioning CA, or why none was.</summary>
public sealed record IssuedCertificate(string? CertificatePem, DateTimeOffset NotAfter, string? Error);

/// <summary>
/// The built-in commissioning CA, for testing only: a CA Shoal generates into its data folder on first start. An NA
/// downloads its certificate and has it sign a certificate request for its test server; an application that chose the
/// commissioning CA trusts the certificates it issued. Anyone who may use the API can have it sign a request for any
/// host name, which is why it is for testing and never for production.
/// </summary>
public sealed class CommissioningCa : IDisposable
{
    public const int MaxRequestLength = 16 * 1024;
    public static readonly TimeSpan IssuedValidity = TimeSpan.FromDays(90);

    private readonly X509Certificate2 _certificate;

    private CommissioningCa(X509Certificate2 certificate)
    {
        _certificate = certificate;
        Pem = certificate.ExportCertificatePem() + "\n";
    }

    /// <summary>The CA certificate, PEM: what the NA downloads and what applications that chose it trust.</summary>
    public string Pem { get; }

    /// <summary>The CAs an application trusts: those it uploaded, and this one beside them if it chose it.</summary>
    public string? Trusted(bool useCommissioningCa, string? uploadedPem) => useCommissioningCa ? Pem + uploadedPem : uploadedPem;

    /// <summary>Loads the CA from <c>{dataDirectory}/certs/commissioning-ca.pfx</c>, made there on first start.</summary>
    public static CommissioningCa Load(string dataDirectory)
    {
        var file = Path.Combine(dataDirectory, "certs", "commissioning-ca.pfx");
        if (!File.Exists(file))
        {
            Directory.CreateDirectory(Path.GetDirectoryName(file)!);
            using var created = Create();
            File.WriteAllBytes(file, created.Export(X509ContentType.Pfx));
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }
        }
        return new CommissioningCa(X509CertificateLoader.LoadPkcs12FromFile(file, null));
    }

    /// <summary>
    /// Signs a PKCS#10 request (PEM) as a TLS server certificate for the host names and addresses it asks for, valid
    /// <see cref="IssuedValidity"/>. Of the request only its subject, its key and its alternative names are used.
    /// </summary>
    public IssuedCertificate Issue(string? requestPem, DateTimeOffset now)
    {
        if (string.IsNullOrWhiteSpace(requestPem) || requestPem.Length > MaxRequestLength)
        {
            return Refused("Send a certificate signing request (PEM, '-----BEGIN CERTIFICATE REQUEST-----'), at most 16 KB.");
        }
        CertificateRequest asked;
        try
        {
            asked = CertificateRequest.LoadSigningRequestPem(
                requestPem, HashAlgorithmName.SHA256, CertificateRequestLoadOptions.UnsafeLoadCertificateExtensions);
        }
        catch (CryptographicException)
        {
            return Refused("The certificate signing request cannot be read, or its signature does not match its key.");
        }
        var names = asked.CertificateExtensions.OfType<X509SubjectAlternativeNameExtension>().FirstOrDefault();
        if (names is null || !names.EnumerateDnsNames().Any() && !names.EnumerateIPAddresses().Any())
        {
            return Refused("The request names no host: add a subject alternative name (DNS name or IP address) of the NA's server.");
        }
        var request = new CertificateRequest(asked.SubjectName, asked.PublicKey, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509SubjectAlternativeNameExtension(names.RawData, critical: false));
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(_certificate, includeKeyIdentifier: true, includeIssuerAndSerial: false));
        var notAfter = now + IssuedValidity;
        using var issued = request.Create(_certificate, now.AddMinutes(-5), notAfter, RandomNumberGenerator.GetBytes(16));
        return new IssuedCertificate(issued.ExportCertificatePem() + "\n" + Pem, notAfter, null);
    }

    public void Dispose() => _certificate.Dispose();

    private static IssuedCertificate Refused(string error) => new(null, default, error);

    private static X509Certificate2 Create()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN=Shoal commissioning CA (testing only) {Guid.NewGuid():N}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        var now = DateTimeOffset.UtcNow;
        return request.CreateSelfSigned(now.AddDays(-1), now.AddYears(10));
    }
}
