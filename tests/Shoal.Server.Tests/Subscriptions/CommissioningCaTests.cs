using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Shoal.Server.Tests.Gateway;
using Shoal.Server.Tests.Infrastructure;

namespace Shoal.Server.Tests.Subscriptions;

/// <summary>
/// The commissioning CA (testing only): Shoal's own CA signs an NA's test server certificate, and an application that
/// chose it pushes over HTTPS to that server. An application that did not choose it does not trust what it signed.
/// </summary>
public abstract class CommissioningCaTests<TDatabase>(PushApplication<TDatabase> shoal) : IClassFixture<PushApplication<TDatabase>>
    where TDatabase : ITestDatabase, new()
{
    private const string Report = """{"services":[{"service_id":"Temperature","properties":{"value":21.5}}]}""";

    [Fact]
    public async Task Push_ApplicationUsesTheCommissioningCa_ReachesTheServerWhoseCertificateItSigned()
    {
        var (app, device) = await shoal.NewDeviceAsync(("pushProtocol", "Https"), ("useCommissioningCa", true));
        await using var receiver = await PushReceiver.StartAsync(await CommissioningCertificateAsync(app.Owner.Client));
        (await app.Na.SubscribeAsync("deviceDataChanged", receiver.Url())).EnsureSuccessStatusCode();
        using var client = await shoal.ConnectAsync(device);

        await client.ReportAsync(device, Report);

        var push = await receiver.NextAsync();
        Assert.Equal("deviceDataChanged", JsonDocument.Parse(push.Body).RootElement.GetProperty("notifyType").GetString());
    }

    [Fact]
    public async Task Push_ApplicationWithItsOwnCaOnly_RefusesAServerSignedByTheCommissioningCa()
    {
        var (app, device) = await shoal.NewDeviceAsync(("pushProtocol", "Https"), ("caCertificates", Certificates.CaPem()));
        await using var receiver = await PushReceiver.StartAsync(await CommissioningCertificateAsync(app.Owner.Client));
        (await app.Na.SubscribeAsync("deviceDataChanged", receiver.Url())).EnsureSuccessStatusCode();
        using var client = await shoal.ConnectAsync(device);

        await client.ReportAsync(device, Report);

        await shoal.EventuallyAsync(db => db.PushAttempts.AnyAsync(a => db.Subscriptions.Any(s => s.Id == a.SubscriptionId && s.ApplicationId == app.Id)));
        var attempt = (await app.PushAttemptsAsync()).GetProperty("items").EnumerateArray().Last();
        Assert.Contains("TLS", attempt.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Empty(receiver.Received);
    }

    [Fact]
    public async Task GetCaPem_IsTheCaThatSignsTheCertificates()
    {
        var owner = await shoal.SignUpAsync();

        var pem = await owner.Client.GetStringAsync("/api/v1/commissioning-ca/ca.pem");

        using var ca = X509Certificate2.CreateFromPem(pem);
        using var issued = await CommissioningCertificateAsync(owner.Client);
        Assert.Equal(ca.Subject, issued.Issuer);
        Assert.True(ca.Extensions.OfType<X509BasicConstraintsExtension>().Single().CertificateAuthority);
    }

    [Fact]
    public async Task IssueCertificate_NotARequest_IsRefused()
    {
        var owner = await shoal.SignUpAsync();

        var response = await owner.Client.PostAsJsonAsync("/api/v1/commissioning-ca/certificates", new { csr = Certificates.CaPem() });

        await response.FieldErrorAsync("csr");
    }

    [Fact]
    public async Task IssueCertificate_RequestWithoutAHostName_IsRefused()
    {
        var owner = await shoal.SignUpAsync();
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var csr = new CertificateRequest("CN=na.example.com", key, HashAlgorithmName.SHA256).CreateSigningRequestPem();

        var response = await owner.Client.PostAsJsonAsync("/api/v1/commissioning-ca/certificates", new { csr });

        Assert.Contains("subject alternative name", await response.FieldErrorAsync("csr"), StringComparison.Ordinal);
    }

    /// <summary>What an NA does: makes a key and a request for 127.0.0.1, has the commissioning CA sign it, and pairs the answer with its key.</summary>
    private static async Task<X509Certificate2> CommissioningCertificateAsync(HttpClient owner)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=127.0.0.1", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        var issued = await (await owner.PostAsJsonAsync("/api/v1/commissioning-ca/certificates", new { csr = request.CreateSigningRequestPem() })).JsonAsync();
        using var certificate = X509Certificate2.CreateFromPem(issued.GetProperty("certificate").GetString(), key.ExportPkcs8PrivateKeyPem());
        // Kestrel wants a certificate whose key it can use like one loaded from a file.
        return X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pfx), null);
    }
}

public sealed class CommissioningCaTestsOnSqlite(PushApplication<SqliteDatabase> shoal) : CommissioningCaTests<SqliteDatabase>(shoal);

public sealed class CommissioningCaTestsOnPostgres(PushApplication<PostgresDatabase> shoal) : CommissioningCaTests<PostgresDatabase>(shoal);
