using Shoal.Delivery;
using Shoal.Delivery.Rules;
using Shoal.Server.Subscriptions;

namespace Shoal.Server.Hosting;

internal static class DeliveryHosting
{
    /// <summary>Pushes to NAs, and the subscriptions and delivery log that drive and show them.</summary>
    public static WebApplicationBuilder AddDelivery(this WebApplicationBuilder builder)
    {
        builder.Services.AddDelivery();
        builder.Services.AddSingleton(CommissioningCa.Load(builder.DataDirectory()));
        builder.Services.AddRuleMessages();
        builder.Services.AddScoped<SubscriptionRegistry>();
        builder.Services.AddScoped<DeliveryLog>();
        return builder;
    }
}
