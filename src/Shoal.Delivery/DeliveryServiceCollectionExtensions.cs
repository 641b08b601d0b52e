using Microsoft.Extensions.DependencyInjection;

namespace Shoal.Delivery;

public static class DeliveryServiceCollectionExtensions
{
    /// <summary>Registers push delivery, configured from the <c>Delivery</c> section.</summary>
    public static IServiceCollection AddDelivery(this IServiceCollection services)
    {
        services.AddOptions<DeliveryOptions>().BindConfiguration(DeliveryOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<CallbackAddressGuard>();
        services.AddSingleton<PushSigning>();
        services.AddSingleton<PushSender>();
        services.AddSingleton<PushProbe>();
        services.AddMetrics();
        services.AddSingleton<PushBacklog>();
        services.AddSingleton<DeliveryMetrics>();
        services.AddSingleton<PushWorker>();
        services.AddHostedService(sp => sp.GetRequiredService<PushWorker>());
        services.AddSingleton<OutboxRetentionWorker>();
        services.AddHostedService(sp => sp.GetRequiredService<OutboxRetentionWorker>());
        return services;
    }
}
