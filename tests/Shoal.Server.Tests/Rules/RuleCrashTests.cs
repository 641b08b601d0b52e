using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using MQTTnet;
using Shoal.Server.Tests.Gateway;
using Shoal.Server.Tests.Infrastructure;
using Shoal.Server.Tests.Northbound;

namespace Shoal.Server.Tests.Rules;

/// <summary>
/// Kill -9 between firing and sending loses nothing: Shoal runs as a process of its own, many devices cross a
/// threshold over MQTT, and Shoal is killed while their e-mails go out one by one to a slow SMTP server in this test.
/// After a restart on the same database every fired rule's e-mail arrives; one may arrive twice.
/// </summary>
[Trait("Category", "Crash")]
public abstract class RuleCrashTests<TDatabase> : IAsyncLifetime
    where TDatabase : ITestDatabase, new()
{
    private const int Devices = 30;
    private const int ReceivedBeforeKill = 3;
    /// <summary>Generous: a loaded 2-core machine may be slow to restart and send; nothing is timed by it.</summary>
    private static readonly TimeSpan ArrivalWait = TimeSpan.FromMinutes(3);

    /// <summary>A message claimed by the killed process is sent after its claim lapses; shortened here so the test does not wait minutes.</summary>
    private static readonly Dictionary<string, string> ShortClaims = new() { ["Messages:ClaimLease"] = "00:00:05" };

    private readonly TDatabase _database = new();
    private readonly string _dataDirectory = Path.Combine(Path.GetTempPath(), $"shoal-crash-{Guid.NewGuid():N}");
    private readonly SmtpReceiver _smtp = SmtpReceiver.Start();

    public async ValueTask InitializeAsync() => await _database.CreateAsync();

    [Fact]
    public async Task KillWhileSending_EveryFiredRulesEmailArrivesAfterRestart()
    {
        _smtp.Delay = TimeSpan.FromMilliseconds(100);
        var arrived = new HashSet<string>();
        IReadOnlyList<string> deviceIds;
        await using (var server = await ServerProcess.StartAsync(_database, _dataDirectory, ShortClaims))
        {
            var devices = await SetUpAsync(server);
            deviceIds = [.. devices.Select(d => d.Id)];
            await ReportHotAsync(server, devices);
            for (var i = 0; i < ReceivedBeforeKill; i++)
            {
                arrived.Add((await _smtp.NextAsync(ArrivalWait)).Subject!);
            }
            await server.KillAsync();
        }
        Assert.True(arrived.Count < Devices, "Every e-mail went out before the kill, so the kill tested nothing.");

        await using var restarted = await ServerProcess.StartAsync(_database, _dataDirectory, ShortClaims);

        while (!deviceIds.All(arrived.Contains))
        {
            arrived.Add((await _smtp.NextAsync(ArrivalWait)).Subject!);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _smtp.DisposeAsync();
        await _database.DisposeAsync();
        if (Directory.Exists(_dataDirectory))
        {
            Directory.Delete(_dataDirectory, recursive: true);
        }
        GC.SuppressFinalize(this);
    }

    /// <summary>
    /// The first account (the operator) registers the test's SMTP server, creates an application that selects it, a rule
    /// that e-mails the device's ID when its temperature is over 30, and the devices.
    /// </summary>
    private async Task<IReadOnlyList<TestDevice>> SetUpAsync(ServerProcess server)
    {
        const string email = "owner@example.com";
        const string password = "correct horse battery staple";
        using var portal = new HttpClient { BaseAddress = server.Portal };
        (await portal.PostAsJsonAsync("/api/v1/account", new { email, password, acceptTerms = true })).EnsureSuccessStatusCode();
        var token = await (await portal.PostAsJsonAsync("/api/v1/tokens", new { email, password, name = "crash" })).Content.ReadFromJsonAsync<JsonElement>();
        portal.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token.GetProperty("token").GetString());
        var smtpServer = await (await portal.PostAsJsonAsync("/api/v1/operator/email-servers", new
        {
            name = "test receiver", host = "127.0.0.1", port = _smtp.Port, tlsMode = "None", senderAddress = "alerts@shoal.example",
        })).Content.ReadFromJsonAsync<JsonElement>();
        var application = await portal.CreateApplicationAsync("crash", ("emailServerId", smtpServer.GetProperty("id").GetString()));
        var applicationId = application.GetProperty("applicationId").GetString()!;
        (await portal.PostAsJsonAsync($"/api/v1/applications/{applicationId}/rules", JsonDocument.Parse("""
            {
              "name": "too warm",
              "conditions": [{"type": "DEVICE_DATA", "deviceInfo": {"path": "Temperature/temperature"}, "operator": ">", "value": 30}],
              "actions": [{"type": "EMAIL", "recipients": ["ops@example.com"], "subject": "{deviceId}", "content": "{value}"}]
            }
            """).RootElement)).EnsureSuccessStatusCode();

        using var tls = new HttpClientHandler { ServerCertificateCustomValidationCallback = (_, _, _, _) => true };
        using var northbound = new HttpClient(tls) { BaseAddress = server.Northbound };
        var na = new NaClient(northbound, applicationId);
        await na.LoginAsync(application.GetProperty("secret").GetString()!);
        var devices = new List<TestDevice>();
        for (var i = 0; i < Devices; i++)
        {
            devices.Add(await TestDevice.RegisterAsync(na, $"crash-node-{i}"));
        }
        return devices;
    }

    /// <summary>Each device connects and reports 35.5 °C; returns once every report is acknowledged, so stored.</summary>
    private static async Task ReportHotAsync(ServerProcess server, IReadOnlyList<TestDevice> devices)
    {
        foreach (var device in devices)
        {
            var timestamp = TestDevice.Timestamp(DateTimeOffset.UtcNow);
            using var client = new MqttClientFactory().CreateMqttClient();
            await client.ConnectAsync(new MqttClientOptionsBuilder()
                .WithTcpServer("127.0.0.1", server.MqttPort)
                .WithClientId(device.ClientId(1, timestamp))
                .WithCredentials(device.Id, TestDevice.Password(timestamp, device.Secret))
                .WithTimeout(TimeSpan.FromSeconds(30))
                .Build());
            var result = await client.ReportAsync(device, RuleSetup.Hot);
            Assert.Equal(MqttClientPublishReasonCode.Success, result.ReasonCode);
            await client.DisconnectAsync();
        }
    }
}

public sealed class RuleCrashTestsOnSqlite : RuleCrashTests<SqliteDatabase>;

public sealed class RuleCrashTestsOnPostgres : RuleCrashTests<PostgresDatabase>;
