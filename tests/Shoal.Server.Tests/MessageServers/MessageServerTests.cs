using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Shoal.Server.Security;
using Shoal.Server.MessageServers;
using Shoal.Server.Tests.Infrastructure;
using Shoal.Storage;

namespace Shoal.Server.Tests.MessageServers;

public abstract class MessageServerTests<TDatabase>(ShoalApplication<TDatabase> shoal) : IClassFixture<ShoalApplication<TDatabase>>
    where TDatabase : ITestDatabase, new()
{
    private const string EmailServers = "/api/v1/operator/email-servers";
    private const string SmsServers = "/api/v1/operator/sms-servers";
    private const string SmtpPassword = "smtp-pa55word-do-not-show";

    private static Dictionary<string, object?> Smtp(string name, params (string Field, object? Value)[] fields)
    {
        var body = new Dictionary<string, object?>
        {
            ["name"] = name, ["host"] = "smtp.example.com", ["port"] = 587, ["tlsMode"] = "StartTls",
            ["userName"] = "iot", ["password"] = SmtpPassword, ["senderAddress"] = "iot@example.com",
        };
        foreach (var (field, value) in fields)
        {
            body[field] = value;
        }
        return body;
    }

    private static string Unique(string prefix) => $"{prefix}-{Guid.NewGuid():N}";

    [Fact]
    public async Task CreateEmailServer_WithPassword_SaysSoAndNeverShowsIt()
    {
        var response = await shoal.Operator.PostAsJsonAsync(EmailServers, Smtp(Unique("mail")));

        var text = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.True(JsonDocument.Parse(text).RootElement.GetProperty("hasPassword").GetBoolean());
        Assert.DoesNotContain(SmtpPassword, text, StringComparison.Ordinal);
        Assert.DoesNotContain(SmtpPassword, await shoal.Operator.GetStringAsync(EmailServers), StringComparison.Ordinal);
    }

    [Fact]
    public async Task UpdateEmailServer_WithNullPassword_KeepsIt()
    {
        var name = Unique("mail");
        var id = (await (await shoal.Operator.PostAsJsonAsync(EmailServers, Smtp(name))).JsonAsync(HttpStatusCode.Created)).GetProperty("id").GetGuid();

        var updated = await (await shoal.Operator.PutAsJsonAsync($"{EmailServers}/{id}", Smtp(name, ("port", 465), ("password", null)))).JsonAsync();

        Assert.Equal(465, updated.GetProperty("port").GetInt32());
        Assert.True(updated.GetProperty("hasPassword").GetBoolean());
        using var scope = shoal.Services.CreateScope();
        var stored = await scope.ServiceProvider.GetRequiredService<ShoalDb>().EmailServers.AsNoTracking().SingleAsync(s => s.Id == id);
        Assert.Equal(SmtpPassword, scope.ServiceProvider.GetRequiredService<SecretProtector>().Unprotect(stored.ProtectedPassword));
    }

    [Fact]
    public async Task CreateEmailServer_WithoutHost_IsRefused()
    {
        var response = await shoal.Operator.PostAsJsonAsync(EmailServers, Smtp(Unique("mail"), ("host", "")));

        await response.FieldErrorAsync("host");
    }

    [Theory]
    [InlineData(0)]
    [InlineData(70000)]
    public async Task CreateEmailServer_PortOutOfRange_IsRefused(int port)
    {
        var name = Unique("mail");

        var response = await shoal.Operator.PostAsJsonAsync(EmailServers, Smtp(name, ("port", port)));

        await response.FieldErrorAsync("port");
        Assert.DoesNotContain(name, await shoal.Operator.GetStringAsync(EmailServers), StringComparison.Ordinal);
    }

    [Fact]
    public async Task CreateEmailServer_BadSenderAddress_IsRefused()
    {
        var response = await shoal.Operator.PostAsJsonAsync(EmailServers, Smtp(Unique("mail"), ("senderAddress", "not an address")));

        await response.FieldErrorAsync("senderAddress");
    }

    [Fact]
    public async Task CreateEmailServer_DuplicateName_IsRefused()
    {
        var name = Unique("mail");
        (await shoal.Operator.PostAsJsonAsync(EmailServers, Smtp(name))).EnsureSuccessStatusCode();

        var response = await shoal.Operator.PostAsJsonAsync(EmailServers, Smtp(name, ("host", "other.example.com")));

        await response.FieldErrorAsync("name");
        var servers = await shoal.Operator.GetFromJsonAsync<JsonElement>(EmailServers);
        Assert.Single(servers.EnumerateArray(), s => s.GetProperty("name").GetString() == name);
    }

    [Fact]
    public async Task DeleteEmailServer_ApplicationsThatChoseItWarnThatARandomServerIsUsed()
    {
        var user = await shoal.SignUpAsync();
        var server = (await (await shoal.Operator.PostAsJsonAsync(EmailServers, Smtp(Unique("mail")))).JsonAsync(HttpStatusCode.Created)).GetProperty("id").GetGuid();
        var id = (await user.Client.CreateApplicationAsync("mailer", ("emailServerId", server))).GetProperty("applicationId").GetString()!;

        Assert.Equal(HttpStatusCode.NoContent, (await shoal.Operator.DeleteAsync($"{EmailServers}/{server}")).StatusCode);

        var warnings = (await user.Client.GetApplicationAsync(id)).GetProperty("warnings").EnumerateArray().Select(w => w.GetString());
        Assert.Equal([ServerSelection.EmailServerDeletedWarning], warnings);
    }

    [Fact]
    public async Task Get_ApplicationWhoseSelectedServerExists_HasNoWarning()
    {
        var user = await shoal.SignUpAsync();
        var server = (await (await shoal.Operator.PostAsJsonAsync(EmailServers, Smtp(Unique("mail")))).JsonAsync(HttpStatusCode.Created)).GetProperty("id").GetGuid();
        var id = (await user.Client.CreateApplicationAsync("mailer", ("emailServerId", server))).GetProperty("applicationId").GetString()!;

        Assert.Empty((await user.Client.GetApplicationAsync(id)).GetProperty("warnings").EnumerateArray());
    }

    [Fact]
    public async Task CreateSmsServer_ReturnsHeaderNamesButNeverTheirValues()
    {
        var response = await shoal.Operator.PostAsJsonAsync(SmsServers, new
        {
            name = Unique("sms"), method = "POST", urlTemplate = "https://sms.example.com/send?to={to}&text={text}",
            headers = new Dictionary<string, string> { ["Authorization"] = "Bearer gateway-s3cret" },
        });

        var text = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal(["Authorization"], JsonDocument.Parse(text).RootElement.GetProperty("headerNames").EnumerateArray().Select(h => h.GetString()!));
        Assert.DoesNotContain("gateway-s3cret", text, StringComparison.Ordinal);
        Assert.DoesNotContain("gateway-s3cret", await shoal.Operator.GetStringAsync(SmsServers), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("not a url")]
    [InlineData("ftp://sms.example.com/send")]
    public async Task CreateSmsServer_BadUrlTemplate_IsRefused(string urlTemplate)
    {
        var response = await shoal.Operator.PostAsJsonAsync(SmsServers, new { name = Unique("sms"), method = "POST", urlTemplate });

        await response.FieldErrorAsync("urlTemplate");
    }

    [Fact]
    public async Task CreateSmsServer_BadMethod_IsRefused()
    {
        var response = await shoal.Operator.PostAsJsonAsync(SmsServers, new { name = Unique("sms"), method = "PATCH", urlTemplate = "https://sms.example.com/send" });

        await response.FieldErrorAsync("method");
    }

    [Fact]
    public async Task MessageServers_ForANormalUser_ListsNamesOnly()
    {
        var user = await shoal.SignUpAsync();
        var email = Unique("mail");
        var sms = Unique("sms");
        (await shoal.Operator.PostAsJsonAsync(EmailServers, Smtp(email))).EnsureSuccessStatusCode();
        (await shoal.Operator.PostAsJsonAsync(SmsServers, new { name = sms, method = "POST", urlTemplate = "https://sms.example.com/send" })).EnsureSuccessStatusCode();

        var choices = await user.Client.GetFromJsonAsync<JsonElement>("/api/v1/message-servers");

        var emailChoice = Assert.Single(choices.GetProperty("email").EnumerateArray(), c => c.GetProperty("name").GetString() == email);
        Assert.Single(choices.GetProperty("sms").EnumerateArray(), c => c.GetProperty("name").GetString() == sms);
        Assert.Equal(["id", "name"], emailChoice.EnumerateObject().Select(p => p.Name));
    }
}

public sealed class MessageServerTestsOnSqlite(ShoalApplication<SqliteDatabase> shoal) : MessageServerTests<SqliteDatabase>(shoal);

public sealed class MessageServerTestsOnPostgres(ShoalApplication<PostgresDatabase> shoal) : MessageServerTests<PostgresDatabase>(shoal);
