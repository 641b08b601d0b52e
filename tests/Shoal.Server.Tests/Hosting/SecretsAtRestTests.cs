using System.Net;
using System.Net.Http.Json;
using System.Text;
using Microsoft.Data.Sqlite;
using Shoal.Server.Tests.Infrastructure;
using Shoal.Server.Tests.Northbound;

namespace Shoal.Server.Tests.Hosting;

/// <summary>No secret Shoal was given or issued is found in the database file or in the logs, at any level.</summary>
public sealed class SecretsAtRestTests(ShoalApplication<SqliteDatabase> shoal) : IClassFixture<ShoalApplication<SqliteDatabase>>
{
    [Fact]
    public async Task DatabaseFileAndLogs_AfterEverySecretWasHandled_ContainNoneOfThem()
    {
        var user = await shoal.SignUpAsync("keeper");
        var created = await (await user.Client.PostAsJsonAsync("/api/v1/applications", new { name = "vault", industry = "energy-utilities", acceptTerms = true }))
            .JsonAsync(HttpStatusCode.Created);
        var applicationId = created.GetProperty("applicationId").GetString()!;
        var reset = await (await user.Client.PostAsJsonAsync($"/api/v1/applications/{applicationId}/secret", new { graceMinutes = 30 })).JsonAsync();
        const string smtpPassword = "smtp-Pa55word-never-stored";
        const string smsApiKey = "sms-api-key-never-stored";
        await (await shoal.Operator.PostAsJsonAsync("/api/v1/operator/email-servers", new
        {
            name = "mail", host = "smtp.example.com", port = 587, tlsMode = "StartTls", userName = "iot", password = smtpPassword, senderAddress = "iot@example.com",
        })).JsonAsync(HttpStatusCode.Created);
        await (await shoal.Operator.PostAsJsonAsync("/api/v1/operator/sms-servers", new
        {
            name = "sms", method = "POST", urlTemplate = "https://sms.example.com/send", headers = new Dictionary<string, string> { ["X-Api-Key"] = smsApiKey },
        })).JsonAsync(HttpStatusCode.Created);

        var na = new NaClient(shoal.CreateClient(), applicationId);
        await na.LoginAsync(reset.GetProperty("secret").GetString()!);
        var psk = (await (await na.SendAsync(HttpMethod.Post, NaClient.RegisterPath, new { nodeId = "vault-meter" })).JsonAsync()).GetProperty("psk").GetString()!;
        Assert.Equal(HttpStatusCode.OK, (await na.GetAsync(NaClient.DevicesPath)).StatusCode);

        string[] secrets =
        [
            user.Password, user.Token, created.GetProperty("secret").GetString()!, reset.GetProperty("secret").GetString()!, smtpPassword, smsApiKey,
            na.AccessToken, na.RefreshToken, psk,
        ];
        SqliteConnection.ClearAllPools();
        var stored = string.Concat(new List<string> { shoal.Database.File, shoal.Database.File + "-wal" }
            .Where(File.Exists)
            .Select(path => Encoding.Latin1.GetString(File.ReadAllBytes(path))));
        var logs = string.Join('\n', shoal.Logs.Lines);

        Assert.NotEmpty(stored);
        Assert.NotEmpty(logs);
        foreach (var secret in secrets)
        {
            Assert.DoesNotContain(secret, stored, StringComparison.Ordinal);
            Assert.DoesNotContain(secret, logs, StringComparison.Ordinal);
        }
    }
}
