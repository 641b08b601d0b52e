namespace Shoal.Server.Hosting;

internal static class PortalHosting
{
    public static WebApplicationBuilder AddPortal(this WebApplicationBuilder builder)
    {
        builder.Services.AddRazorPages(options =>
        {
            options.RootDirectory = "/Portal";
            options.Conventions.AllowAnonymousToFolder("/Account");
        });
        return builder;
    }

    public static WebApplication MapPortal(this WebApplication app)
    {
        app.MapStaticAssets().AllowAnonymous();
        app.MapRazorPages();
        return app;
    }
}
