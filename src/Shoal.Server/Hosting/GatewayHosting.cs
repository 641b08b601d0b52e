using Shoal.Gateway;
using Shoal.Server.Northbound;

namespace Shoal.Server.Hosting;

internal static class GatewayHosting
{
    /// <summary>The device access address; MQTTS uses the certificate of the HTTPS endpoints.</summary>
    public static WebApplicationBuilder AddGateway(this WebApplicationBuilder builder)
    {
        var northbound = builder.Configuration.GetSection(NorthboundOptions.Section).Get<NorthboundOptions>() ?? new NorthboundOptions();
        var dataDirectory = builder.DataDirectory();
        builder.Services.AddGateway(() => ServerCertificate.Load(northbound.CertificatePath, northbound.CertificatePassword, dataDirectory));
        return builder;
    }
}
