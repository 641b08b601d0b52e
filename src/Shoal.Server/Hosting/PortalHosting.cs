using System.Net;
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
            options.Conventions.AllowAnonymousToPage("/Account/ForgotPassword");
            options.Conventions.AllowAnonymousToPage("/Account/ResetPassword");
            options.Conventions.AllowAnonymousToPage("/Account/SignOut");
            options.Conventions.AllowAnonymousToPage("/Account/Denied");
            options.Conventions.AllowAnonymousToPage("/Account/Terms");
            options.Conventions.AuthorizeFolder("/Operations", Roles.Operator);
        }).AddMvcOptions(options => options.Filters.Add<Portal.FormsOnlyWhereHandled>());
        builder.Services.AddScoped<Portal.Operations.TraceChoices>();
        builder.Services.AddScoped<Portal.DeviceNames>();
        builder.Services.Configure<StatusCodePagesOptions>(options =>
        {
            var api = options.HandleAsync;
            options.HandleAsync = context => IsPortalPage(context.HttpContext.Request) ? WriteStatusPageAsync(context.HttpContext) : api(context);
        });
        return builder;
    }

    public static WebApplication MapPortal(this WebApplication app)
    {
        app.MapStaticAssets().AllowAnonymous();
        app.MapRazorPages();
        return app;
    }

    private static bool IsPortalPage(HttpRequest request) =>
        !request.Path.StartsWithSegments("/api") && request.Headers.Accept.ToString().Contains("text/html", StringComparison.Ordinal);

    /// <summary>A bodiless error status on a portal page (an unknown or someone else's application) answers a page, not bare text.</summary>
    private static Task WriteStatusPageAsync(HttpContext http)
    {
        var status = http.Response.StatusCode;
        var (title, text) = status == StatusCodes.Status404NotFound
            ? ("Page not found", "There is nothing here, or it belongs to someone else.")
            : ($"Error {status}", "The request could not be completed.");
        http.Response.ContentType = "text/html; charset=utf-8";
        return http.Response.WriteAsync($"""
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8" /><meta name="viewport" content="width=device-width, initial-scale=1" />
            <title>{WebUtility.HtmlEncode(title)} · Shoal</title><link rel="stylesheet" href="/css/shoal.css" /></head>
            <body class="bare"><main class="bare-page"><a class="brand brand-large" href="/">Shoal</a>
            <section class="card"><h1>{WebUtility.HtmlEncode(title)}</h1><p class="muted">{WebUtility.HtmlEncode(text)}</p>
            <a class="button button-primary" href="/applications">Go to your applications</a></section></main></body></html>
            """, http.RequestAborted);
    }
}
