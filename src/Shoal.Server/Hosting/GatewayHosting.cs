using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Shoal.Gateway;
using Shoal.Gateway.Https;
using Shoal.Server.Northbound;

namespace Shoal.Server.Hosting;

internal static class GatewayHosting
{
    /// <summary>The connection tag of HTTPS device access, which answers only the device paths.</summary>
    public const string DeviceHttpsEndpoint = "DeviceHttps";

    /// <summary>The device access address; MQTTS and HTTPS device access use the certificate of the HTTPS endpoints.</summary>
    public static WebApplicationBuilder AddGateway(this WebApplicationBuilder builder)
    {
        var northbound = builder.Configuration.GetSection(NorthboundOptions.Section).Get<NorthboundOptions>() ?? new NorthboundOptions();
        var gateway = builder.Configuration.GetSection(GatewayOptions.Section).Get<GatewayOptions>() ?? new GatewayOptions();
        var dataDirectory = builder.DataDirectory();
        var certificate = new Lazy<X509Certificate2>(() => ServerCertificate.Load(northbound.CertificatePath, northbound.CertificatePassword, dataDirectory));
        builder.Services.AddGateway(() => certificate.Value);
        if (gateway.HttpsPort != 0)
        {
            builder.WebHost.ConfigureKestrel(kestrel => gateway.ListenHttps(kestrel, listen =>
            {
                listen.UseHttps(https =>
                {
                    https.ServerCertificate = certificate.Value;
                    https.SslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13;
                });
                listen.Use(next => connection =>
                {
                    connection.Items[DeviceHttpsEndpoint] = true;
                    return next(connection);
                });
            }));
        }
        return builder;
    }

    /// <summary>HTTPS device access on <see cref="GatewayOptions.Host"/>, as the MQTT listeners.</summary>
    private static void ListenHttps(this GatewayOptions gateway, KestrelServerOptions kestrel, Action<ListenOptions> configure)
    {
        switch (gateway.HostAddresses)
        {
            case null or []:
                kestrel.ListenAnyIP(gateway.HttpsPort, configure);
                break;
            case not null when gateway.Host == "localhost":
                kestrel.ListenLocalhost(gateway.HttpsPort, configure);
                break;
            case var addresses:
                foreach (var address in addresses)
                {
                    kestrel.Listen(address, gateway.HttpsPort, configure);
                }
                break;
        }
    }

    public static WebApplication MapGateway(this WebApplication app)
    {
        app.MapDeviceHttps();
        return app;
    }
}
