using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using MQTTnet;
using Shoal.Server.Tests.Infrastructure;
using Shoal.Server.Tests.Northbound;
using Shoal.Storage.Entities;

namespace Shoal.Server.Tests.Gateway;

/// <summary>
/// Kill -9 under load, restart, and nothing acknowledged is lost (SPEC §12). Shoal runs as a process of its own and is
/// killed with SIGKILL while a real MQTT client publishes QoS 1 reports as fast as they are acknowledged.
/// </summary>
public abstract class CrashTests<TDatabase> : IAsyncLifetime
    where TDatabase : ITestDatabase, new()
{
    private const int AcknowledgedBeforeKill = 500;
    private const int PublishesInFlight = 16;

    private readonly TDatabase _database = new();
    private readonly string _dataDirectory = Path.Combine(Path.GetTempPath(), $"shoal-crash-{Guid.NewGuid():N}");

    public async ValueTask InitializeAsync() => await _database.CreateAsync();

    [Fact]
    public async Task KillDuringIngest_EveryAcknowledgedReportIsStoredAfterRestart()
    {
        TestDevice device;
        IReadOnlyCollection<int> acknowledged;
        await using (var server = await ServerProcess.StartAsync(_database, _dataDirectory))
        {
            device = await RegisterDeviceAsync(server);
            using var client = await ConnectAsync(server, device);
            acknowledged = await PublishUntilKilledAsync(server, client, device);
        }

        await using var restarted = await ServerProcess.StartAsync(_database, _dataDirectory);

        var stored = await _database.QueryAsync(db => db.DeviceDataPoints.Where(p => p.DeviceId == device.Id).Select(p => p.Data).ToListAsync());
        Assert.Empty(acknowledged.Except(stored.Select(data => JsonDocument.Parse(data).RootElement.GetProperty("sequence").GetInt32())));
    }

    [Fact]
    public async Task KillWithDeviceOnline_DeviceIsOfflineAfterRestartUntilItReconnects()
    {
        TestDevice device;
        await using (var server = await ServerProcess.StartAsync(_database, _dataDirectory))
        {
            device = await RegisterDeviceAsync(server);
            using var client = await ConnectAsync(server, device);
            Assert.Equal(DeviceStatus.Online, await StatusAsync(device));
            await server.KillAsync();
        }

        await using var restarted = await ServerProcess.StartAsync(_database, _dataDirectory);

        Assert.Equal(DeviceStatus.Offline, await StatusAsync(device));
        using var reconnected = await ConnectAsync(restarted, device);
        Assert.Equal(DeviceStatus.Online, await StatusAsync(device));
    }

    public async ValueTask DisposeAsync()
    {
        await _database.DisposeAsync();
        if (Directory.Exists(_dataDirectory))
        {
            Directory.Delete(_dataDirectory, recursive: true);
        }
        GC.SuppressFinalize(this);
    }

    /// <summary>Publishes from several tasks at once until <see cref="AcknowledgedBeforeKill"/> reports are acknowledged, kills the server and returns every acknowledged sequence number.</summary>
    private static async Task<IReadOnlyCollection<int>> PublishUntilKilledAsync(ServerProcess server, IMqttClient client, TestDevice device)
    {
        var acknowledged = new ConcurrentBag<int>();
        var enough = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var sequence = 0;
        async Task PublishAsync()
        {
            while (true)
            {
                var next = Interlocked.Increment(ref sequence);
                MqttClientPublishResult result;
                try
                {
                    result = await client.ReportAsync(device, $$$"""{"services":[{"service_id":"Crash","properties":{"sequence":{{{next}}}}}]}""");
                }
                catch (Exception)
                {
                    // The server is gone: what it did not acknowledge, it owes nothing for.
                    return;
                }
                if (result.ReasonCode == MqttClientPublishReasonCode.Success)
                {
                    acknowledged.Add(next);
                    if (acknowledged.Count >= AcknowledgedBeforeKill)
                    {
                        enough.TrySetResult();
                    }
                }
            }
        }

        var publishers = Task.WhenAll(Enumerable.Range(0, PublishesInFlight).Select(_ => Task.Run(PublishAsync)));
        await Task.WhenAny(enough.Task, publishers);
        Assert.True(enough.Task.IsCompleted, $"The publishers stopped before {AcknowledgedBeforeKill} acknowledgements:\n{server.Output}");
        await server.KillAsync();
        await publishers;
        return acknowledged;
    }

    /// <summary>Makes a device as a user would: signs up, creates an application, logs its NA in over HTTPS and registers one.</summary>
    private static async Task<TestDevice> RegisterDeviceAsync(ServerProcess server)
    {
        const string email = "owner@example.com";
        const string password = "correct horse battery staple";
        using var portal = new HttpClient { BaseAddress = server.Portal };
        (await portal.PostAsJsonAsync("/api/v1/account", new { email, password, acceptTerms = true })).EnsureSuccessStatusCode();
        var token = await (await portal.PostAsJsonAsync("/api/v1/tokens", new { email, password, name = "crash" })).Content.ReadFromJsonAsync<JsonElement>();
        portal.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token.GetProperty("token").GetString());
        var application = await portal.CreateApplicationAsync("crash");

        // The northbound certificate is the self-signed one generated into the data folder on first start.
        using var tls = new HttpClientHandler { ServerCertificateCustomValidationCallback = (_, _, _, _) => true };
        using var northbound = new HttpClient(tls) { BaseAddress = server.Northbound };
        var na = new NaClient(northbound, application.GetProperty("applicationId").GetString()!);
        await na.LoginAsync(application.GetProperty("secret").GetString()!);
        return await TestDevice.RegisterAsync(na, "crash-node");
    }

    private static async Task<IMqttClient> ConnectAsync(ServerProcess server, TestDevice device)
    {
        var timestamp = TestDevice.Timestamp(DateTimeOffset.UtcNow);
        var client = new MqttClientFactory().CreateMqttClient();
        await client.ConnectAsync(new MqttClientOptionsBuilder()
            .WithTcpServer("127.0.0.1", server.MqttPort)
            .WithClientId(device.ClientId(1, timestamp))
            .WithCredentials(device.Id, TestDevice.Password(timestamp, device.Secret))
            .WithTimeout(TimeSpan.FromSeconds(30))
            .Build());
        return client;
    }

    private Task<DeviceStatus> StatusAsync(TestDevice device) =>
        _database.QueryAsync(db => db.Devices.Where(d => d.Id == device.Id).Select(d => d.Status).SingleAsync());
}

public sealed class CrashTestsOnSqlite : CrashTests<SqliteDatabase>;

public sealed class CrashTestsOnPostgres : CrashTests<PostgresDatabase>;
