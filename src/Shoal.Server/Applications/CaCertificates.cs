using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace Shoal.Server.Applications;

/// <summary>Parses and checks the PEM bundle of CA certificates an application uploads for HTTPS pushes.</summary>
internal static class CaCertificates
{
    public const int MaxPemLength = 64 * 1024;
    public const int MaxCertificates = 20;

    /// <summary>The normalised PEM bundle, or a message saying what is wrong with the upload.</summary>
    public static (string? Pem, string? Error) Check(string? pem, DateTimeOffset now)
    {
        if (string.IsNullOrWhiteSpace(pem))
        {
            return (null, "Upload the CA certificate of your NA's HTTPS server (PEM).");
        }
        if (pem.Length > MaxPemLength)
        {
            return (null, "The certificate file is larger than 64 KB; upload only the CA certificate(s).");
        }

        var normalised = new StringBuilder();
        var count = 0;
        var rest = pem.AsSpan();
        while (PemEncoding.TryFind(rest, out var fields))
        {
            var label = rest[fields.Label].ToString();
            if (label.Contains("PRIVATE KEY", StringComparison.Ordinal))
            {
                return (null, "The file contains a private key. Upload only the CA certificate, and keep the key secret.");
            }
            if (label != "CERTIFICATE")
            {
                return (null, $"The file contains a '{label}' block; only CERTIFICATE blocks are accepted.");
            }
            count++;
            if (count > MaxCertificates)
            {
                return (null, $"The file holds more than {MaxCertificates} certificates.");
            }
            X509Certificate2 certificate;
            try
            {
                certificate = X509CertificateLoader.LoadCertificate(Convert.FromBase64String(rest[fields.Base64Data].ToString()));
            }
            catch (CryptographicException)
            {
                return (null, $"Certificate {count} in the file cannot be read as an X.509 certificate.");
            }
            using (certificate)
            {
                if (certificate.NotAfter.ToUniversalTime() < now.UtcDateTime)
                {
                    return (null, $"Certificate {count} ({certificate.Subject}) expired on {certificate.NotAfter.ToUniversalTime():yyyy-MM-dd}.");
                }
                if (certificate.NotBefore.ToUniversalTime() > now.UtcDateTime)
                {
                    return (null, $"Certificate {count} ({certificate.Subject}) is not valid before {certificate.NotBefore.ToUniversalTime():yyyy-MM-dd}.");
                }
                normalised.Append(PemEncoding.Write("CERTIFICATE", certificate.RawData)).Append('\n');
            }
            rest = rest[fields.Location.End..];
        }
        return count == 0
            ? (null, "The file is not a PEM certificate: it has no '-----BEGIN CERTIFICATE-----' block.")
            : (normalised.ToString(), null);
    }

    /// <summary>Subjects and expiry dates, to show what was uploaded without showing the file.</summary>
    public static IReadOnlyList<CertificateSummary> Describe(string? pem)
    {
        if (string.IsNullOrEmpty(pem))
        {
            return [];
        }
        var collection = new X509Certificate2Collection();
        collection.ImportFromPem(pem);
        var summaries = collection.Select(c => new CertificateSummary(c.Subject, c.Issuer, c.NotAfter.ToUniversalTime(), c.Thumbprint)).ToList();
        foreach (var certificate in collection)
        {
            certificate.Dispose();
        }
        return summaries;
    }
}

internal sealed record CertificateSummary(string Subject, string Issuer, DateTime NotAfter, string Thumbprint);
