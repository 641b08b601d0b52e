namespace Shoal.Server.Hosting;

internal static class OptionsHosting
{
    public static WebApplicationBuilder AddShoalOptions(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<ShoalOptions>().BindConfiguration(ShoalOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton(PublicAddresses.Resolve(builder.Configuration));
        builder.Services.AddSingleton(PublicAddresses.ResolvePortal(builder.Configuration));
        builder.Services.AddSingleton(TimeProvider.System);
        return builder;
    }
}
