using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.DependencyInjection;
using Shoal.Coap.Lwm2m;
using Shoal.Gateway.Coap;
using Shoal.Gateway.Edge;
using Shoal.Gateway.Https;
using Shoal.Gateway.SubDevices;
using Shoal.Storage.Ingest;

namespace Shoal.Gateway;

public static class GatewayServiceCollectionExtensions
{
    /// <summary>
    /// Registers the device gateway: the MQTT server, HTTPS device access, the ingest writer, the command dispatcher and the shadow worker,
    /// configured from the <c>Gateway</c> section.
    /// <paramref name="tlsCertificate"/> is called once, at start, when the TLS port is on.
    /// </summary>
    public static IServiceCollection AddGateway(this IServiceCollection services, Func<X509Certificate2> tlsCertificate)
    {
        services.AddOptions<GatewayOptions>().BindConfiguration(GatewayOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<DeviceCredentials>();
        services.AddHostedService<DeviceCredentialsPreload>();
        services.AddSingleton<DeviceAuthenticator>();
        services.AddSingleton<DeviceSessions>();
        services.AddSingleton<StaleConnections>();
        services.AddSingleton<IngestQueue>();
        services.AddMetrics();
        services.AddSingleton<GatewayMetrics>();
        services.AddSingleton(sp => IngestStore.Create(sp.GetRequiredService<IServiceScopeFactory>()));
        services.AddSingleton<IngestWriter>();
        services.AddHostedService(sp => sp.GetRequiredService<IngestWriter>());
        services.AddSingleton(sp => ActivatorUtilities.CreateInstance<DeviceListener>(sp, tlsCertificate));
        services.AddSingleton<GatewayServer>();
        services.AddHostedService(sp => sp.GetRequiredService<GatewayServer>());
        services.AddHostedService<NodeLease>();
        services.AddSingleton<CommandSignal>();
        services.AddSingleton<DeviceReplies>();
        services.AddSingleton<DeviceRequests>();
        services.AddSingleton<DeviceTokens>();
        services.AddSingleton<DeviceRequestRate>();
        services.AddSingleton<DeviceHttpsAccess>();
        services.AddSingleton<CommandDispatchWorker>();
        services.AddHostedService(sp => sp.GetRequiredService<CommandDispatchWorker>());
        services.AddSingleton<LastSeenWriter>();
        services.AddHostedService(sp => sp.GetRequiredService<LastSeenWriter>());
        services.AddSingleton<SessionReviewSignal>();
        services.AddSingleton<SessionReview>();
        services.AddHostedService(sp => sp.GetRequiredService<SessionReview>());
        services.AddSingleton<SubDeviceRegistry>();
        services.AddSingleton<SubDeviceEvents>();
        services.AddSingleton<SubDeviceNotices>();
        services.AddSingleton<DeviceShadowRequests>();
        services.AddSingleton<DeviceShadowSignal>();
        services.AddSingleton<DeviceShadowWorker>();
        services.AddHostedService(sp => sp.GetRequiredService<DeviceShadowWorker>());
        services.AddOptions<Lwm2mOptions>().BindConfiguration(Lwm2mOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<CoapDevices>();
        services.AddSingleton(sp => ActivatorUtilities.CreateInstance<Lwm2mServer>(sp, sp.GetRequiredService<CoapDevices>()));
        services.AddSingleton<CoapListener>();
        services.AddHostedService(sp => sp.GetRequiredService<CoapListener>());
        return services;
    }
}
