using System.Net.Http.Json;
using Shoal.Server.Tests.Infrastructure;
using static Shoal.Server.Tests.Infrastructure.ApplicationApi;

namespace Shoal.Server.Tests.Applications;

public abstract class CaCertificateTests<TDatabase>(ShoalApplication<TDatabase> shoal) : IClassFixture<ShoalApplication<TDatabase>>
    where TDatabase : ITestDatabase, new()
{
    [Fact]
    public async Task Create_GarbageText_IsRefused()
    {
        var user = await shoal.SignUpAsync();

        var response = await CreateHttpsAsync(user, "this is not a certificate");

        Assert.Contains("BEGIN CERTIFICATE", await response.FieldErrorAsync("caCertificates"), StringComparison.Ordinal);
        Assert.Equal(1, await user.Client.CountApplicationsAsync());
    }

    [Fact]
    public async Task Create_PemWithPrivateKey_IsRefused()
    {
        var user = await shoal.SignUpAsync();

        var response = await CreateHttpsAsync(user, Certificates.CaPem() + "\n" + Certificates.PrivateKeyPem());

        Assert.Contains("private key", await response.FieldErrorAsync("caCertificates"), StringComparison.Ordinal);
        Assert.Equal(1, await user.Client.CountApplicationsAsync());
    }

    [Fact]
    public async Task Create_ExpiredCertificate_IsRefused()
    {
        var user = await shoal.SignUpAsync();
        var now = shoal.Time.GetUtcNow();

        var response = await CreateHttpsAsync(user, Certificates.CaPem("CN=Old CA", now.AddYears(-2), now.AddDays(-1)));

        Assert.Contains("expired", await response.FieldErrorAsync("caCertificates"), StringComparison.Ordinal);
        Assert.Equal(1, await user.Client.CountApplicationsAsync());
    }

    [Fact]
    public async Task Create_NonCertificateBlock_IsRefused()
    {
        var user = await shoal.SignUpAsync();
        const string publicKey = "-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE\n-----END PUBLIC KEY-----\n";

        var response = await CreateHttpsAsync(user, publicKey);

        Assert.Contains("PUBLIC KEY", await response.FieldErrorAsync("caCertificates"), StringComparison.Ordinal);
        Assert.Equal(1, await user.Client.CountApplicationsAsync());
    }

    [Fact]
    public async Task Create_BundleOfTwoCertificates_IsAcceptedAndDescribed()
    {
        var user = await shoal.SignUpAsync();

        var created = await user.Client.CreateApplicationAsync(
            "secure", ("pushProtocol", "Https"), ("caCertificates", Certificates.CaPem("CN=Root A") + "\n" + Certificates.CaPem("CN=Root B")));

        var subjects = created.GetProperty("application").GetProperty("caCertificates").EnumerateArray()
            .Select(c => c.GetProperty("subject").GetString()!).ToArray();
        Assert.Equal(["CN=Root A", "CN=Root B"], subjects);
    }

    private static Task<HttpResponseMessage> CreateHttpsAsync(TestUser user, string pem) =>
        user.Client.PostAsJsonAsync(Route, Body("secure", ("pushProtocol", "Https"), ("caCertificates", pem)));
}

public sealed class CaCertificateTestsOnSqlite(ShoalApplication<SqliteDatabase> shoal) : CaCertificateTests<SqliteDatabase>(shoal);

public sealed class CaCertificateTestsOnPostgres(ShoalApplication<PostgresDatabase> shoal) : CaCertificateTests<PostgresDatabase>(shoal);
