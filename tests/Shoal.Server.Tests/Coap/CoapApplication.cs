using System.Globalization;
using Microsoft.AspNetCore.Hosting;
using Shoal.Server.Tests.Infrastructure;
using Shoal.Server.Tests.Subscriptions;

namespace Shoal.Server.Tests.Coap;

/// <summary>Shoal with its CoAP and CoAP-over-DTLS listeners on free loopback ports, beside its gateway and pushes.</summary>
public class CoapApplication<TDatabase> : PushApplication<TDatabase>
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
}
