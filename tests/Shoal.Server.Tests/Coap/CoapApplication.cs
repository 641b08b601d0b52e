using System.Globalization;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Shoal.Coap.Lwm2m;
using Shoal.Server.Tests.Infrastructure;
using Shoal.Server.Tests.Tracing;

namespace Shoal.Server.Tests.Coap;

/// <summary>Shoal with its CoAP and CoAP-over-DTLS listeners on free loopback ports, beside its gateway, pushes and traces.</summary>
public class CoapApplication<TDatabase> : TracingApplication<TDatabase>
    where TDatabase : ITestDatabase, new()
{
    public int CoapPort { get; } = FreePorts.NextUdp();
    public int CoapsPort { get; } = FreePorts.NextUdp();

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseSetting("Gateway:Host", "127.0.0.1");
        builder.UseSetting("Coap:Port", CoapPort.ToString(CultureInfo.InvariantCulture));
        builder.UseSetting("Coap:DtlsPort", CoapsPort.ToString(CultureInfo.InvariantCulture));
    }

    /// <summary>An LwM2M client registered as <paramref name="nodeId"/> whose /19/0/0 Shoal observes, so its reports reach Shoal.</summary>
    public async Task<Lwm2mClient> ObservedClientAsync(string nodeId, string deviceId, int lifetimeSeconds = 300)
    {
        var client = Lwm2mClient.Start(CoapPort, nodeId, lifetimeSeconds);
        await client.NextAsync("registered");
        var server = Services.GetRequiredService<Lwm2mServer>();
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (server.Find(deviceId) is not { Observed: true })
        {
            await Task.Delay(20, deadline.Token);
        }
        return client;
    }
}
