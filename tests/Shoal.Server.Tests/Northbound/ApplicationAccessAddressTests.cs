using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Shoal.Server.Tests.Infrastructure;

namespace Shoal.Server.Tests.Northbound;

public sealed class ApplicationAccessAddressTests(SocketApplication<SqliteDatabase> shoal) : IClassFixture<SocketApplication<SqliteDatabase>>
{
    private X509Certificate2? _served;

    private HttpClient Client(X509Certificate2? clientCertificate = null)
    {
        var handler = new HttpClientHandler
        {
            ServerCertificateCustomValidationCallback = (_, certificate, _, _) =>
            {
                _served = certificate is null ? null : X509CertificateLoader.LoadCertificate(certificate.RawData);
                return true;
            },
        };
        if (clientCertificate is not null)
        {
            handler.ClientCertificates.Add(clientCertificate);
        }
        return new HttpClient(handler);
    }

    [Fact]
    public async Task Login_OverTls_IsServedWithTheCertificateGeneratedOnFirstStart()
    {
        using var client = Client();

        var response = await client.PostAsync(new Uri(shoal.Northbound, "/iocm/app/sec/v1.1.0/login"),
            new FormUrlEncodedContent(new Dictionary<string, string> { ["appId"] = "nobody", ["secret"] = "wrong" }));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.NotNull(_served);
        Assert.Equal("CN=Shoal self-signed", _served.Subject);
        Assert.Contains("localhost", _served.Extensions.OfType<X509SubjectAlternativeNameExtension>().Single().EnumerateDnsNames());
    }

    [Fact]
    public async Task Login_WithAClientCertificate_IsAccepted()
    {
        using var key = ECDsa.Create();
        using var certificate = new CertificateRequest("CN=some NA", key, HashAlgorithmName.SHA256)
            .CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        using var client = Client(certificate);

        var response = await client.PostAsync(new Uri(shoal.Northbound, "/iocm/app/sec/v1.1.0/login"),
            new FormUrlEncodedContent(new Dictionary<string, string> { ["appId"] = "nobody", ["secret"] = "wrong" }));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task ManagementApi_OnTheApplicationAccessAddress_IsNotServed()
    {
        using var client = Client();

        var response = await client.GetAsync(new Uri(shoal.Northbound, "/api/v1/industries"));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task Health_OnTheApplicationAccessAddress_IsNotServed()
    {
        using var client = Client();

        var response = await client.GetAsync(new Uri(shoal.Northbound, "/health/ready"));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task NorthboundApi_OnThePortalAddress_IsNotServed()
    {
        using var client = Client();

        var response = await client.PostAsync(new Uri(shoal.Portal, "/iocm/app/sec/v1.1.0/login"),
            new FormUrlEncodedContent(new Dictionary<string, string> { ["appId"] = "nobody", ["secret"] = "wrong" }));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }
}
