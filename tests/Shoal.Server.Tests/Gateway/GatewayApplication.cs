using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using MQTTnet;
using MQTTnet.Formatter;
using Shoal.Server.Tests.Infrastructure;
using Shoal.Server.Tests.Northbound;
using Shoal.Storage;

namespace Shoal.Server.Tests.Gateway;

/// <summary>Shoal with its device gateway listening on a free loopback port, and ways to make devices and connect them.</summary>
public class GatewayApplication<TDatabase> : ShoalApplication<TDatabase>
    where TDatabase : ITestDatabase, new()
{
    public int MqttPort { get; } = FreePorts.Next();
    public int MqttsPort { get; } = FreePorts.Next();

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseSetting("Gateway:Port", MqttPort.ToString(System.Globalization.CultureInfo.InvariantCulture));
        builder.UseSetting("Gateway:TlsPort", MqttsPort.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    /// <summary>A new application (with these creation fields) and one device registered in it by its NA.</summary>
    public async Task<(NaApplication App, TestDevice Device)> NewDeviceAsync(params (string Field, object? Value)[] fields)
    {
        var app = await this.NewApplicationAsync(null, fields);
        var device = await RegisterAsync(app.Na, $"node-{Guid.NewGuid():N}");
        return (app, device);
    }

    public Task<TestDevice> RegisterAsync(NaClient na, string nodeId) => TestDevice.RegisterAsync(na, nodeId);

    /// <summary>Connects <paramref name="device"/> as its SDK would; the result says whether the gateway accepted it.</summary>
    public async Task<(IMqttClient Client, MqttClientConnectResult Result)> TryConnectAsync(
        TestDevice device, int signType = 1, DateTimeOffset? signedAt = null, string? password = null, string? clientId = null,
        MqttProtocolVersion protocol = MqttProtocolVersion.V500, Action<MqttClientTlsOptionsBuilder>? tls = null, Action<IMqttClient>? beforeConnect = null)
    {
        var timestamp = TestDevice.Timestamp(signedAt ?? Time.GetUtcNow());
        var client = new MqttClientFactory().CreateMqttClient();
        beforeConnect?.Invoke(client);
        var builder = new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", tls is null ? MqttPort : MqttsPort);
        if (tls is not null)
        {
            builder = builder.WithTlsOptions(options => tls(options.UseTls()));
        }
        var options = builder
            .WithProtocolVersion(protocol)
            .WithClientId(clientId ?? device.ClientId(signType, timestamp))
            .WithCredentials(device.Id, password ?? TestDevice.Password(timestamp, device.Secret))
            .WithTimeout(TimeSpan.FromSeconds(30))
            .Build();
        var result = await client.ConnectAsync(options);
        return (client, result);
    }

    /// <summary>Connects <paramref name="device"/>; <paramref name="beforeConnect"/> sees the client first, to hear what arrives at once.</summary>
    public async Task<IMqttClient> ConnectAsync(
        TestDevice device, MqttProtocolVersion protocol = MqttProtocolVersion.V500, Action<IMqttClient>? beforeConnect = null)
    {
        var (client, result) = await TryConnectAsync(device, protocol: protocol, beforeConnect: beforeConnect);
        Assert.Equal(MqttClientConnectResultCode.Success, result.ResultCode);
        return client;
    }

    /// <summary>Reads the database directly, as a test of storage must.</summary>
    public async Task<T> QueryAsync<T>(Func<ShoalDb, Task<T>> query)
    {
        await using var scope = Services.CreateAsyncScope();
        return await query(scope.ServiceProvider.GetRequiredService<ShoalDb>());
    }

    /// <summary>Waits until <paramref name="condition"/> holds in the database, for what the gateway does after a client has returned.</summary>
    public async Task EventuallyAsync(Func<ShoalDb, Task<bool>> condition)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (!await QueryAsync(condition))
        {
            await Task.Delay(20, deadline.Token);
        }
    }
}

/// <summary>A registered device: its ID and its secret (the psk), from which it computes its MQTT password.</summary>
public sealed record TestDevice(string Id, string Secret)
{
    /// <summary>Registers a device that never expires through the NA's northbound API.</summary>
    public static async Task<TestDevice> RegisterAsync(NaClient na, string nodeId)
    {
        ArgumentNullException.ThrowIfNull(na);
        var registered = await (await na.SendAsync(HttpMethod.Post, NaClient.RegisterPath, new { nodeId, timeout = 0 })).JsonAsync();
        return new TestDevice(registered.GetProperty("deviceId").GetString()!, registered.GetProperty("psk").GetString()!);
    }

    public string ClientId(int signType, string timestamp) => $"{Id}_0_{signType}_{timestamp}";

    public static string Timestamp(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyyMMddHH", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Lowercase hex of HMAC-SHA256 keyed by the timestamp, over the secret: the reference platform's device password.</summary>
    public static string Password(string timestamp, string secret) =>
        Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(timestamp), Encoding.UTF8.GetBytes(secret)));

    public string Topic(string rest) => $"$oc/devices/{Id}/{rest}";
}

public static class DeviceMessages
{
    public static Task<MqttClientPublishResult> ReportAsync(this IMqttClient client, TestDevice device, string json) =>
        client.PublishAsync(new MqttApplicationMessageBuilder()
            .WithTopic(device.Topic("sys/properties/report"))
            .WithPayload(json)
            .WithQualityOfServiceLevel(MQTTnet.Protocol.MqttQualityOfServiceLevel.AtLeastOnce)
            .Build());
}
