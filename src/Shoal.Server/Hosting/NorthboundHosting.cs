using System.Security.Authentication;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Shoal.Server.Devices;
using Shoal.Server.Northbound;

namespace Shoal.Server.Hosting;

internal static class NorthboundHosting
{
    public static WebApplicationBuilder AddNorthbound(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<NorthboundOptions>().BindConfiguration(NorthboundOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<NorthboundCallRate>();
        services.AddSingleton<TokenCache>();
        services.AddScoped<NorthboundTokens>();
        services.AddScoped<DeviceRegistry>();
        services.AddSingleton<RegistrationExpiryWorker>();
        services.AddHostedService(sp => sp.GetRequiredService<RegistrationExpiryWorker>());

        var options = builder.Configuration.GetSection(NorthboundOptions.Section).Get<NorthboundOptions>() ?? new NorthboundOptions();
        var dataDirectory = builder.DataDirectory();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.ConfigureHttpsDefaults(https =>
        {
            https.ServerCertificate = ServerCertificate.Load(options.CertificatePath, options.CertificatePassword, dataDirectory);
            https.SslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13;
            // NA clients may present a client certificate; it is accepted and never required.
            https.ClientCertificateMode = ClientCertificateMode.AllowCertificate;
            https.AllowAnyClientCertificate();
        }));
        return builder;
    }

    /// <summary>
    /// Keeps the two addresses apart: the application access address answers only the northbound API,
    /// and the portal's address never answers it.
    /// </summary>
    public static WebApplication SeparateAddresses(this WebApplication app)
    {
        var northboundPort = Uri.TryCreate(app.Configuration["Kestrel:Endpoints:Northbound:Url"], UriKind.Absolute, out var url) ? url.Port : 0;
        if (northboundPort == 0)
        {
            return app;
        }
        app.Use((http, next) =>
        {
            var onNorthbound = http.Connection.LocalPort == northboundPort;
            var northboundPath = http.Request.Path.StartsWithSegments("/iocm");
            if (http.Connection.LocalPort != 0 && onNorthbound != northboundPath)
            {
                http.Response.StatusCode = StatusCodes.Status404NotFound;
                return Task.CompletedTask;
            }
            return next(http);
        });
        return app;
    }
}
