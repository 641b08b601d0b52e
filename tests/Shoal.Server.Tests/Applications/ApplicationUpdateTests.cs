using System.Net;
using System.Net.Http.Json;
using Shoal.Server.Tests.Infrastructure;
using static Shoal.Server.Tests.Infrastructure.ApplicationApi;

namespace Shoal.Server.Tests.Applications;

public abstract class ApplicationUpdateTests<TDatabase>(ShoalApplication<TDatabase> shoal) : IClassFixture<ShoalApplication<TDatabase>>
    where TDatabase : ITestDatabase, new()
{
    [Fact]
    public async Task Update_EveryEditableField_ChangesAndIsReturned()
    {
        var user = await shoal.SignUpAsync();
        var id = (await user.Client.CreateApplicationAsync("everything")).GetProperty("applicationId").GetString()!;
        var emailServer = await RegisterEmailServerAsync();
        var smsServer = await RegisterSmsServerAsync();
        // Whole seconds: PostgreSQL keeps microseconds, not .NET's 100 ns ticks.
        var until = DateTimeOffset.FromUnixTimeSeconds(shoal.Time.GetUtcNow().ToUnixTimeSeconds()).AddDays(2);

        var updated = await (await user.Client.PutAsJsonAsync($"{Route}/{id}", new
        {
            industry = "retail",
            tracing = "Custom",
            tracingUntil = until,
            pushProtocol = "Https",
            caCertificates = Certificates.CaPem("CN=Shop CA"),
            dataManagement = false,
            storageDays = 3,
            pushService = false,
            description = "Shop shelves",
            emailServerId = emailServer,
            smsServerId = smsServer,
        })).JsonAsync();

        var stored = await user.Client.GetApplicationAsync(id);
        foreach (var application in new[] { updated, stored })
        {
            Assert.Equal("retail", application.GetProperty("industry").GetString());
            Assert.Equal("Custom", application.GetProperty("tracing").GetString());
            Assert.Equal(until, application.GetProperty("tracingUntil").GetDateTimeOffset());
            Assert.Equal("Https", application.GetProperty("pushProtocol").GetString());
            Assert.Equal("CN=Shop CA", Assert.Single(application.GetProperty("caCertificates").EnumerateArray()).GetProperty("subject").GetString());
            Assert.False(application.GetProperty("dataManagement").GetBoolean());
            Assert.Equal(3, application.GetProperty("storageDays").GetInt32());
            Assert.False(application.GetProperty("pushService").GetBoolean());
            Assert.Equal("Shop shelves", application.GetProperty("description").GetString());
            Assert.Equal(emailServer, application.GetProperty("emailServerId").GetGuid());
            Assert.Equal(smsServer, application.GetProperty("smsServerId").GetGuid());
        }
    }

    [Fact]
    public async Task Update_WithNameField_IsRefusedAsUnknownField()
    {
        var user = await shoal.SignUpAsync();
        var id = (await user.Client.CreateApplicationAsync("fixed-name")).GetProperty("applicationId").GetString()!;

        var response = await user.Client.PutAsJsonAsync($"{Route}/{id}", new { name = "new-name", industry = "retail" });

        await response.FieldErrorAsync("name");
        var stored = await user.Client.GetApplicationAsync(id);
        Assert.Equal("fixed-name", stored.GetProperty("name").GetString());
        Assert.Equal("agriculture", stored.GetProperty("industry").GetString());
    }

    [Fact]
    public async Task Update_BadIndustryWithNewDescription_ChangesNothing()
    {
        var user = await shoal.SignUpAsync();
        var id = (await user.Client.CreateApplicationAsync("steady", ("description", "Before"))).GetProperty("applicationId").GetString()!;

        var response = await user.Client.PutAsJsonAsync($"{Route}/{id}", new { industry = "mining", description = "After" });

        await response.FieldErrorAsync("industry");
        var stored = await user.Client.GetApplicationAsync(id);
        Assert.Equal("Before", stored.GetProperty("description").GetString());
        Assert.Equal("agriculture", stored.GetProperty("industry").GetString());
    }

    [Fact]
    public async Task Update_FromCustomToAlwaysTracing_ClearsTheEndTime()
    {
        var user = await shoal.SignUpAsync();
        var id = (await user.Client.CreateApplicationAsync(
            "traced", ("tracing", "Custom"), ("tracingUntil", shoal.Time.GetUtcNow().AddDays(1)))).GetProperty("applicationId").GetString()!;

        (await user.Client.PutAsJsonAsync($"{Route}/{id}", new { industry = "agriculture", tracing = "Always" })).EnsureSuccessStatusCode();

        var stored = await user.Client.GetApplicationAsync(id);
        Assert.Equal("Always", stored.GetProperty("tracing").GetString());
        Assert.Equal(System.Text.Json.JsonValueKind.Null, stored.GetProperty("tracingUntil").ValueKind);
    }

    [Fact]
    public async Task Update_WithoutCaCertificates_KeepsTheUploadedOnes()
    {
        var user = await shoal.SignUpAsync();
        var id = (await user.Client.CreateApplicationAsync(
            "secure", ("pushProtocol", "Https"), ("caCertificates", Certificates.CaPem("CN=Kept CA")))).GetProperty("applicationId").GetString()!;

        var updated = await (await user.Client.PutAsJsonAsync($"{Route}/{id}", new { industry = "retail", pushProtocol = "Https" })).JsonAsync();

        Assert.Equal("CN=Kept CA", Assert.Single(updated.GetProperty("caCertificates").EnumerateArray()).GetProperty("subject").GetString());
    }

    [Fact]
    public async Task Update_AnotherUsersApplication_Answers404AndChangesNothing()
    {
        var owner = await shoal.SignUpAsync();
        var stranger = await shoal.SignUpAsync();
        var id = (await owner.Client.CreateApplicationAsync("private")).GetProperty("applicationId").GetString()!;

        var response = await stranger.Client.PutAsJsonAsync($"{Route}/{id}", new { industry = "retail" });

        await response.ProblemAsync(HttpStatusCode.NotFound);
        Assert.Equal("agriculture", (await owner.Client.GetApplicationAsync(id)).GetProperty("industry").GetString());
    }

    private async Task<Guid> RegisterEmailServerAsync() =>
        (await (await shoal.Operator.PostAsJsonAsync("/api/v1/operator/email-servers", new
        {
            name = $"smtp-{Guid.NewGuid():N}", host = "smtp.example.com", port = 587, tlsMode = "StartTls", senderAddress = "iot@example.com",
        })).JsonAsync(HttpStatusCode.Created)).GetProperty("id").GetGuid();

    private async Task<Guid> RegisterSmsServerAsync() =>
        (await (await shoal.Operator.PostAsJsonAsync("/api/v1/operator/sms-servers", new
        {
            name = $"sms-{Guid.NewGuid():N}", method = "POST", urlTemplate = "https://sms.example.com/send?to={to}",
        })).JsonAsync(HttpStatusCode.Created)).GetProperty("id").GetGuid();
}

public sealed class ApplicationUpdateTestsOnSqlite(ShoalApplication<SqliteDatabase> shoal) : ApplicationUpdateTests<SqliteDatabase>(shoal);

public sealed class ApplicationUpdateTestsOnPostgres(ShoalApplication<PostgresDatabase> shoal) : ApplicationUpdateTests<PostgresDatabase>(shoal);
