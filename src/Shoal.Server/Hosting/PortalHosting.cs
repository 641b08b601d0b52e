using Shoal.Server.Audit;

namespace Shoal.Server.Hosting;

internal static class PortalHosting
{
    public static WebApplicationBuilder AddPortal(this WebApplicationBuilder builder)
    {
        // Outside Development the build output's static asset manifest is ignored unless asked for, and `dotnet run`
        // would then answer compressed asset requests with empty bodies; a published app has no such manifest.
        builder.WebHost.UseStaticWebAssets();
        builder.Services.AddRazorPages(options =>
        {
            options.RootDirectory = "/Portal";
            options.Conventions.AllowAnonymousToPage("/Account/SignIn");
            options.Conventions.AllowAnonymousToPage("/Account/SignUp");
            options.Conventions.AllowAnonymousToPage("/Account/SignOut");
            options.Conventions.AllowAnonymousToPage("/Account/Denied");
            options.Conventions.AllowAnonymousToPage("/Account/Terms");
            options.Conventions.AuthorizeFolder("/Operations", Roles.Operator);
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
