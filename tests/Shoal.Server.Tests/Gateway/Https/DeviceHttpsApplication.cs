using System.Globalization;
using System.Net.Http.Json;
using System.Text;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Shoal.Server.Tests.Infrastructure;
using Shoal.Server.Tests.Northbound;

namespace Shoal.Server.Tests.Gateway.Https;

/// <summary>
/// Shoal on real sockets with HTTPS device access on a free loopback port, and a device-side HTTPS client that
/// accepts the self-signed certificate, as a device given that certificate would.
/// </summary>
public sealed class DeviceHttpsApplication<TDatabase> : GatewayApplication<TDatabase>
    where TDatabase : ITestDatabase, new()
{
    private static int _applications;
    private Uri _northbound = null!;

    public int HttpsPort { get; } = FreePorts.Next();

    /// <summary>A client of HTTPS device access; it sends nothing of its own, so tests share it.</summary>
    public HttpClient Devices { get; private set; } = null!;

    protected override void Start()
    {
        UseKestrel();
        StartServer();
        var addresses = Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses;
        _northbound = new Uri(addresses.Single(a =>
            a.StartsWith("https://", StringComparison.Ordinal) && new Uri(a).Port != HttpsPort));
        Devices = new HttpClient(AcceptingAnyCertificate()) { BaseAddress = new Uri($"https://127.0.0.1:{HttpsPort}") };
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseSetting("Kestrel:Endpoints:Portal:Url", "http://127.0.0.1:0");
        builder.UseSetting("Kestrel:Endpoints:Northbound:Url", "https://127.0.0.1:0");
        builder.UseSetting("Gateway:HttpsPort", HttpsPort.ToString(CultureInfo.InvariantCulture));
    }

    /// <summary>A new application and one device registered in it by its NA; <paramref name="timeout"/> 0 never expires.</summary>
    public async Task<(NaApplication App, TestDevice Device)> NewHttpsDeviceAsync(int timeout = 0)
    {
        var owner = await SignUpAsync("na");
        var name = $"https-{Interlocked.Increment(ref _applications)}";
        var created = await owner.Client.CreateApplicationAsync(name);
        var id = created.GetProperty("applicationId").GetString()!;
        var secret = created.GetProperty("secret").GetString()!;
        var na = new NaClient(new HttpClient(AcceptingAnyCertificate()) { BaseAddress = _northbound }, id);
        await na.LoginAsync(secret);
        var registered = await (await na.SendAsync(HttpMethod.Post, NaClient.RegisterPath, new { nodeId = $"node-{Guid.NewGuid():N}", timeout })).JsonAsync();
        var device = new TestDevice(registered.GetProperty("deviceId").GetString()!, registered.GetProperty("psk").GetString()!);
        return (new NaApplication(owner, id, name, secret, na), device);
    }

    /// <summary>Authenticates as the device's SDK would, signing with the fake clock's hour unless told otherwise.</summary>
    public Task<HttpResponseMessage> AuthenticateAsync(TestDevice device, int signType = 1, string? timestamp = null, string? password = null)
    {
        timestamp ??= TestDevice.Timestamp(Time.GetUtcNow());
        return Devices.PostAsJsonAsync("/v5/device-auth", new
        {
            device_id = device.Id,
            sign_type = signType,
            timestamp,
            password = password ?? TestDevice.Password(timestamp, device.Secret),
        });
    }

    /// <summary>The access token of a successful authentication.</summary>
    public async Task<string> TokenAsync(TestDevice device, int signType = 1)
    {
        var body = await (await AuthenticateAsync(device, signType)).JsonAsync();
        return body.GetProperty("access_token").GetString()!;
    }

    /// <summary>A POST to <c>/v5/devices/{deviceId}/{path}</c> with the <c>access_token</c> header and a raw body.</summary>
    public Task<HttpResponseMessage> PostAsync(string deviceId, string path, string? token, string body)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, $"/v5/devices/{deviceId}/{path}")
        {
            Content = new StringContent(body, Encoding.UTF8, "application/json"),
        };
        if (token is not null)
        {
            request.Headers.Add("access_token", token);
        }
        return Devices.SendAsync(request);
    }

    public override async ValueTask DisposeAsync()
    {
        Devices?.Dispose();
        await base.DisposeAsync();
    }

    private static HttpClientHandler AcceptingAnyCertificate() =>
        new() { ServerCertificateCustomValidationCallback = HttpClientHandler.DangerousAcceptAnyServerCertificateValidator };
}
