using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using MQTTnet;
using Shoal.Server.Tests.Infrastructure;
using Shoal.Server.Tests.Northbound;

namespace Shoal.Server.Tests.Gateway;

/// <summary>Devices of a Shoal that runs as a process of its own, made and connected as a user and a device would.</summary>
public static class ServerProcessDevices
{
    /// <summary>
    /// Signs up, creates an application, logs its NA in over HTTPS, lets <paramref name="prepare"/> use that NA (to
    /// subscribe, say) and registers one device.
    /// </summary>
    public static async Task<TestDevice> RegisterDeviceAsync(this ServerProcess server, Func<NaClient, Task>? prepare = null)
    {
        ArgumentNullException.ThrowIfNull(server);
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
        if (prepare is not null)
        {
            await prepare(na);
        }
        return await TestDevice.RegisterAsync(na, "crash-node");
    }

    public static async Task<IMqttClient> ConnectAsync(this ServerProcess server, TestDevice device)
    {
        ArgumentNullException.ThrowIfNull(server);
        ArgumentNullException.ThrowIfNull(device);
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

    /// <summary>
    /// Publishes QoS 1 reports <c>{"sequence": n}</c> of service <c>Crash</c> from several tasks at once until
    /// <paramref name="killWhen"/> holds for the number acknowledged, kills the server and returns every acknowledged sequence number.
    /// </summary>
    public static async Task<IReadOnlyCollection<int>> PublishUntilKilledAsync(
        this ServerProcess server, IMqttClient client, TestDevice device, Func<int, bool> killWhen)
    {
        ArgumentNullException.ThrowIfNull(server);
        const int publishesInFlight = 16;
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
                    if (killWhen(acknowledged.Count))
                    {
                        enough.TrySetResult();
                    }
                }
            }
        }

        var publishers = Task.WhenAll(Enumerable.Range(0, publishesInFlight).Select(_ => Task.Run(PublishAsync)));
        await Task.WhenAny(enough.Task, publishers);
        Assert.True(enough.Task.IsCompleted, $"The publishers stopped before it was time to kill the server:\n{server.Output}");
        await server.KillAsync();
        await publishers;
        return acknowledged;
    }
}
