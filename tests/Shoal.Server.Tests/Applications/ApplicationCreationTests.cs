using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Shoal.Server.Tests.Infrastructure;
using static Shoal.Server.Tests.Infrastructure.ApplicationApi;

namespace Shoal.Server.Tests.Applications;

public abstract class ApplicationCreationTests<TDatabase>(ShoalApplication<TDatabase> shoal) : IClassFixture<ShoalApplication<TDatabase>>
    where TDatabase : ITestDatabase, new()
{
    private static object Valid(string name) => new { name, industry = "agriculture", acceptTerms = true };

    [Fact]
    public async Task Create_ValidInput_ReturnsIdSecretAndTheAccessAddressesOnce()
    {
        var user = await shoal.SignUpAsync();

        var created = await (await user.Client.PostAsJsonAsync("/api/v1/applications", Valid("farm-1"))).JsonAsync(HttpStatusCode.Created);

        var id = created.GetProperty("applicationId").GetString()!;
        Assert.Equal(32, created.GetProperty("secret").GetString()!.Length);
        Assert.Equal("https://localhost:8743", created.GetProperty("applicationAccessAddress").GetString());
        Assert.Equal("mqtt://localhost:1883", created.GetProperty("deviceAccessAddress").GetString());
        Assert.Equal("https://localhost:8943", created.GetProperty("deviceHttpsAccessAddress").GetString());
        var details = await user.Client.GetStringAsync($"/api/v1/applications/{id}");
        Assert.DoesNotContain(created.GetProperty("secret").GetString()!, details, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Create_WithoutTerms_IsRefusedAndCreatesNothing()
    {
        var user = await shoal.SignUpAsync();

        var response = await user.Client.PostAsJsonAsync("/api/v1/applications", new { name = "no-terms", industry = "retail", acceptTerms = false });

        Assert.Contains("Terms", await response.FieldErrorAsync("acceptTerms"), StringComparison.Ordinal);
        var list = await user.Client.GetFromJsonAsync<JsonElement>("/api/v1/applications");
        Assert.Equal(1, list.GetProperty("totalCount").GetInt32());
    }

    [Fact]
    public async Task Create_TermsFieldMissing_IsRefused()
    {
        var user = await shoal.SignUpAsync();

        var response = await user.Client.PostAsJsonAsync(Route, new { name = "silent", industry = "retail" });

        await response.FieldErrorAsync("acceptTerms");
        Assert.Equal(1, await user.Client.CountApplicationsAsync());
    }

    [Fact]
    public async Task Create_AcceptedTerms_RecordsVersionAndAcceptor()
    {
        var user = await shoal.SignUpAsync();

        var created = await user.Client.CreateApplicationAsync("termed");

        var terms = created.GetProperty("application").GetProperty("terms");
        Assert.Equal("2026-11", terms.GetProperty("version").GetString());
        Assert.Equal(user.Id, terms.GetProperty("acceptedBy").GetGuid());
        Assert.Equal(shoal.Time.GetUtcNow(), terms.GetProperty("acceptedAt").GetDateTimeOffset());
    }

    [Fact]
    public async Task Create_EmptyName_IsRefused()
    {
        var user = await shoal.SignUpAsync();

        var response = await user.Client.PostAsJsonAsync(Route, Body(""));

        await response.FieldErrorAsync("name");
        Assert.Equal(1, await user.Client.CountApplicationsAsync());
    }

    [Fact]
    public async Task Create_NameOf64Characters_IsAccepted()
    {
        var user = await shoal.SignUpAsync();

        var created = await user.Client.CreateApplicationAsync(new string('a', 64));

        Assert.Equal(new string('a', 64), created.GetProperty("application").GetProperty("name").GetString());
    }

    [Fact]
    public async Task Create_NameOf65Characters_IsRefused()
    {
        var user = await shoal.SignUpAsync();

        var response = await user.Client.PostAsJsonAsync(Route, Body(new string('a', 65)));

        Assert.Contains("64", await response.FieldErrorAsync("name"), StringComparison.Ordinal);
        Assert.Equal(1, await user.Client.CountApplicationsAsync());
    }

    [Theory]
    [InlineData("two words")]
    [InlineData("café")]
    [InlineData("a/b")]
    public async Task Create_NameWithCharacterOutsideLettersDigitsUnderscoreHyphen_IsRefused(string name)
    {
        var user = await shoal.SignUpAsync();

        var response = await user.Client.PostAsJsonAsync(Route, Body(name));

        await response.FieldErrorAsync("name");
        Assert.Equal(1, await user.Client.CountApplicationsAsync());
    }

    [Fact]
    public async Task Create_DuplicateName_IsRefused()
    {
        var user = await shoal.SignUpAsync();
        await user.Client.CreateApplicationAsync("meters");

        var response = await user.Client.PostAsJsonAsync(Route, Body("meters"));

        await response.FieldErrorAsync("name");
        Assert.Equal(2, await user.Client.CountApplicationsAsync());
    }

    [Fact]
    public async Task Create_DuplicateNameDifferingOnlyInCase_IsRefused()
    {
        var user = await shoal.SignUpAsync();
        await user.Client.CreateApplicationAsync("meters");

        var response = await user.Client.PostAsJsonAsync(Route, Body("METERS"));

        await response.FieldErrorAsync("name");
        Assert.Equal(2, await user.Client.CountApplicationsAsync());
    }

    [Fact]
    public async Task Create_SameNameForTwoUsers_IsAccepted()
    {
        var alice = await shoal.SignUpAsync();
        var bob = await shoal.SignUpAsync();
        await alice.Client.CreateApplicationAsync("shared-name");

        var created = await bob.Client.CreateApplicationAsync("shared-name");

        Assert.Equal("shared-name", created.GetProperty("application").GetProperty("name").GetString());
    }

    [Fact]
    public async Task Create_WithoutIndustry_IsRefused()
    {
        var user = await shoal.SignUpAsync();

        var response = await user.Client.PostAsJsonAsync(Route, new { name = "no-industry", acceptTerms = true });

        await response.FieldErrorAsync("industry");
        Assert.Equal(1, await user.Client.CountApplicationsAsync());
    }

    [Fact]
    public async Task Create_UnknownIndustry_IsRefused()
    {
        var user = await shoal.SignUpAsync();

        var response = await user.Client.PostAsJsonAsync(Route, Body("mining", ("industry", "mining")));

        await response.FieldErrorAsync("industry");
        Assert.Equal(1, await user.Client.CountApplicationsAsync());
    }

    [Fact]
    public async Task Create_CustomTracingWithoutEnd_IsRefused()
    {
        var user = await shoal.SignUpAsync();

        var response = await user.Client.PostAsJsonAsync(Route, Body("traced", ("tracing", "Custom")));

        await response.FieldErrorAsync("tracingUntil");
        Assert.Equal(1, await user.Client.CountApplicationsAsync());
    }

    [Fact]
    public async Task Create_CustomTracingEndingInThePast_IsRefused()
    {
        var user = await shoal.SignUpAsync();
        var past = shoal.Time.GetUtcNow().AddMinutes(-1);

        var response = await user.Client.PostAsJsonAsync(Route, Body("traced", ("tracing", "Custom"), ("tracingUntil", past)));

        await response.FieldErrorAsync("tracingUntil");
        Assert.Equal(1, await user.Client.CountApplicationsAsync());
    }

    [Fact]
    public async Task Create_CustomTracingEndingInTheFuture_IsAccepted()
    {
        var user = await shoal.SignUpAsync();
        var until = shoal.Time.GetUtcNow().AddDays(3);

        var created = await user.Client.CreateApplicationAsync("traced", ("tracing", "Custom"), ("tracingUntil", until));

        var application = created.GetProperty("application");
        Assert.Equal("Custom", application.GetProperty("tracing").GetString());
        Assert.Equal(until, application.GetProperty("tracingUntil").GetDateTimeOffset());
    }

    [Fact]
    public async Task Create_AlwaysTracing_ClearsTheEndTime()
    {
        var user = await shoal.SignUpAsync();

        var created = await user.Client.CreateApplicationAsync(
            "traced", ("tracing", "Always"), ("tracingUntil", shoal.Time.GetUtcNow().AddDays(3)));

        var application = created.GetProperty("application");
        Assert.Equal("Always", application.GetProperty("tracing").GetString());
        Assert.Equal(JsonValueKind.Null, application.GetProperty("tracingUntil").ValueKind);
    }

    [Fact]
    public async Task Create_UnknownTracingValue_IsRefusedNamingTracing()
    {
        var user = await shoal.SignUpAsync();

        var response = await user.Client.PostAsJsonAsync(Route, Body("traced", ("tracing", "Sometimes")));

        await response.FieldErrorAsync("tracing");
        Assert.Equal(1, await user.Client.CountApplicationsAsync());
    }

    [Fact]
    public async Task Create_HttpsWithoutCaCertificate_IsRefusedNamingCaCertificates()
    {
        var user = await shoal.SignUpAsync();

        var response = await user.Client.PostAsJsonAsync(Route, Body("secure", ("pushProtocol", "Https")));

        await response.FieldErrorAsync("caCertificates");
        Assert.Equal(1, await user.Client.CountApplicationsAsync());
    }

    [Fact]
    public async Task Create_HttpsWithCommissioningCa_IsAccepted()
    {
        var user = await shoal.SignUpAsync();

        var created = await user.Client.CreateApplicationAsync("secure", ("pushProtocol", "Https"), ("useCommissioningCa", true));

        var application = created.GetProperty("application");
        Assert.Equal("Https", application.GetProperty("pushProtocol").GetString());
        Assert.True(application.GetProperty("useCommissioningCa").GetBoolean());
    }

    [Fact]
    public async Task Create_StorageDaysZero_IsRefused()
    {
        var user = await shoal.SignUpAsync();

        var response = await user.Client.PostAsJsonAsync(Route, Body("history", ("storageDays", 0)));

        await response.FieldErrorAsync("storageDays");
        Assert.Equal(1, await user.Client.CountApplicationsAsync());
    }

    [Fact]
    public async Task Create_StorageDaysAboveDefaultPlatformMaximum_IsRefused()
    {
        var user = await shoal.SignUpAsync();

        var response = await user.Client.PostAsJsonAsync(Route, Body("history", ("storageDays", 8)));

        Assert.Contains("1 to 7", await response.FieldErrorAsync("storageDays"), StringComparison.Ordinal);
        Assert.Equal(1, await user.Client.CountApplicationsAsync());
    }

    [Fact]
    public async Task Create_StorageDaysAtPlatformMaximum_IsAccepted()
    {
        var user = await shoal.SignUpAsync();

        var created = await user.Client.CreateApplicationAsync("history", ("storageDays", 7));

        Assert.Equal(7, created.GetProperty("application").GetProperty("storageDays").GetInt32());
    }

    [Fact]
    public async Task Create_DataManagementOff_IsAccepted()
    {
        var user = await shoal.SignUpAsync();

        var created = await user.Client.CreateApplicationAsync("no-history", ("dataManagement", false));

        Assert.False(created.GetProperty("application").GetProperty("dataManagement").GetBoolean());
    }

    [Fact]
    public async Task Create_DescriptionOf2048Characters_IsAccepted()
    {
        var user = await shoal.SignUpAsync();

        var created = await user.Client.CreateApplicationAsync("described", ("description", new string('d', 2048)));

        Assert.Equal(2048, created.GetProperty("application").GetProperty("description").GetString()!.Length);
    }

    [Fact]
    public async Task Create_DescriptionOf2049Characters_IsRefused()
    {
        var user = await shoal.SignUpAsync();

        var response = await user.Client.PostAsJsonAsync(Route, Body("described", ("description", new string('d', 2049))));

        await response.FieldErrorAsync("description");
        Assert.Equal(1, await user.Client.CountApplicationsAsync());
    }

    [Fact]
    public async Task Create_UnknownEmailServer_IsRefused()
    {
        var user = await shoal.SignUpAsync();

        var response = await user.Client.PostAsJsonAsync(Route, Body("mailer", ("emailServerId", Guid.NewGuid())));

        await response.FieldErrorAsync("emailServerId");
        Assert.Equal(1, await user.Client.CountApplicationsAsync());
    }

    [Fact]
    public async Task Create_UnknownSmsServer_IsRefused()
    {
        var user = await shoal.SignUpAsync();

        var response = await user.Client.PostAsJsonAsync(Route, Body("texter", ("smsServerId", Guid.NewGuid())));

        await response.FieldErrorAsync("smsServerId");
        Assert.Equal(1, await user.Client.CountApplicationsAsync());
    }

    [Fact]
    public async Task Create_EmailServerTheOperatorRegistered_IsAccepted()
    {
        var user = await shoal.SignUpAsync();
        var server = await (await shoal.Operator.PostAsJsonAsync("/api/v1/operator/email-servers", new
        {
            name = $"smtp-{Guid.NewGuid():N}", host = "smtp.example.com", port = 587, tlsMode = "StartTls", senderAddress = "iot@example.com",
        })).JsonAsync(HttpStatusCode.Created);

        var created = await user.Client.CreateApplicationAsync("mailer", ("emailServerId", server.GetProperty("id").GetGuid()));

        Assert.Equal(server.GetProperty("id").GetGuid(), created.GetProperty("application").GetProperty("emailServerId").GetGuid());
    }

    [Fact]
    public async Task Create_SmsServerTheOperatorRegistered_IsAccepted()
    {
        var user = await shoal.SignUpAsync();
        var server = await (await shoal.Operator.PostAsJsonAsync("/api/v1/operator/sms-servers", new
        {
            name = $"sms-{Guid.NewGuid():N}", method = "POST", urlTemplate = "https://sms.example.com/send?to={to}",
        })).JsonAsync(HttpStatusCode.Created);

        var created = await user.Client.CreateApplicationAsync("texter", ("smsServerId", server.GetProperty("id").GetGuid()));

        Assert.Equal(server.GetProperty("id").GetGuid(), created.GetProperty("application").GetProperty("smsServerId").GetGuid());
    }

    [Fact]
    public async Task SignUp_CreatesDefaultApplicationWithoutSecret()
    {
        var user = await shoal.SignUpAsync();

        var list = await user.Client.GetFromJsonAsync<JsonElement>(Route);

        var only = Assert.Single(list.GetProperty("items").EnumerateArray());
        Assert.True(only.GetProperty("isDefault").GetBoolean());
        Assert.False(only.GetProperty("hasSecret").GetBoolean());
    }

    [Fact]
    public async Task Create_MalformedJson_IsRefused()
    {
        var user = await shoal.SignUpAsync();

        var response = await user.Client.PostAsync(Route, new StringContent("{\"name\": \"broken\",", Encoding.UTF8, "application/json"));

        await response.ProblemAsync(HttpStatusCode.BadRequest);
        Assert.Equal(1, await user.Client.CountApplicationsAsync());
    }

    [Fact]
    public async Task Create_StringWhereBoolExpected_IsRefusedNamingTheField()
    {
        var user = await shoal.SignUpAsync();

        var response = await user.Client.PostAsJsonAsync(Route, Body("typed", ("pushService", "yes")));

        await response.FieldErrorAsync("pushService");
        Assert.Equal(1, await user.Client.CountApplicationsAsync());
    }

    [Fact]
    public async Task Create_UnknownField_IsRefusedNamingIt()
    {
        var user = await shoal.SignUpAsync();

        var response = await user.Client.PostAsJsonAsync(Route, Body("typo", ("pushServce", false)));

        await response.FieldErrorAsync("pushServce");
        Assert.Equal(1, await user.Client.CountApplicationsAsync());
    }

    [Fact]
    public async Task Create_BodyOverOneMegabyte_IsRefusedAs413()
    {
        // The limit is Kestrel's, so this one test runs a server on a real socket.
        await using var onKestrel = new SocketApplication<TDatabase>();
        await onKestrel.InitializeAsync();
        var user = await onKestrel.SignUpAsync();
        // With Expect: 100-continue the client sends the body only if asked, so Kestrel's early 413 cannot break the
        // upload mid-stream; the timeout is long so that a slow machine never sends the body before the answer.
        using var client = new HttpClient(new SocketsHttpHandler { Expect100ContinueTimeout = TimeSpan.FromMinutes(1) })
        {
            BaseAddress = onKestrel.Portal,
        };
        using var request = new HttpRequestMessage(HttpMethod.Post, Route)
        {
            Content = new StringContent(
                JsonSerializer.Serialize(Body("huge", ("description", new string('x', 1024 * 1024 + 1))), JsonSerializerOptions.Web),
                Encoding.UTF8, "application/json"),
        };
        request.Headers.ExpectContinue = true;
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", user.Token);

        var response = await client.SendAsync(request);

        await response.ProblemAsync(HttpStatusCode.RequestEntityTooLarge);
        Assert.Equal(1, await user.Client.CountApplicationsAsync());
    }
}

public sealed class ApplicationCreationTestsOnSqlite(ShoalApplication<SqliteDatabase> shoal) : ApplicationCreationTests<SqliteDatabase>(shoal);

public sealed class ApplicationCreationTestsOnPostgres(ShoalApplication<PostgresDatabase> shoal) : ApplicationCreationTests<PostgresDatabase>(shoal);
