using System.Security.Authentication;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Shoal.Server.Commands;
using Shoal.Server.Devices;
using Shoal.Server.Northbound;

namespace Shoal.Server.Hosting;

internal static class NorthboundHosting
{
    /// <summary>The name of the application access address's endpoint under <c>Kestrel:Endpoints</c>.</summary>
    public const string NorthboundEndpoint = "Northbound";

    public static WebApplicationBuilder AddNorthbound(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<NorthboundOptions>().BindConfiguration(NorthboundOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<NorthboundCallRate>();
        if (builder.Configuration.GetSection(Storage.StorageOptions.Section).Get<Storage.StorageOptions>()?.Provider == Storage.DatabaseProvider.Postgres)
        {
            // Only PostgreSQL is shared by several nodes.
            services.AddHostedService<NorthboundCallSharing>();
        }
        services.AddSingleton<AccessTokenCheck>();
        services.AddScoped<NorthboundTokens>();
        services.AddScoped<DeviceRegistry>();
        services.AddScoped<DeviceImport>();
        services.AddScoped<DeviceData>();
        services.AddSingleton<DeviceViews>();
        services.AddSingleton<DevicePages>();
        services.AddScoped<DesiredValues>();
        services.AddScoped<DeviceCommands>();
        services.AddSingleton<RegistrationExpiryWorker>();
        services.AddHostedService(sp => sp.GetRequiredService<RegistrationExpiryWorker>());

        var options = builder.Configuration.GetSection(NorthboundOptions.Section).Get<NorthboundOptions>() ?? new NorthboundOptions();
        var dataDirectory = builder.DataDirectory();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Configure(builder.Configuration.GetSection("Kestrel"), reloadOnChange: false)
                .Endpoint(NorthboundEndpoint, endpoint => endpoint.ListenOptions.Use(next => connection =>
                {
                    connection.Items[NorthboundEndpoint] = true;
                    return next(connection);
                }));
            kestrel.ConfigureHttpsDefaults(https =>
            {
                https.ServerCertificate = ServerCertificate.Load(options.CertificatePath, options.CertificatePassword, dataDirectory);
                https.SslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13;
                // NA clients may present a client certificate; it is accepted and never required.
                https.ClientCertificateMode = ClientCertificateMode.AllowCertificate;
                https.AllowAnyClientCertificate();
            });
        });
        return builder;
    }

    /// <summary>
    /// Keeps the addresses apart: the application access address answers only the northbound API, HTTPS device access
    /// only the device paths, and the portal's address neither. Connections are tagged by the Kestrel endpoint that took them.
    /// </summary>
    public static WebApplication SeparateAddresses(this WebApplication app)
    {
        app.Use((http, next) =>
        {
            var connection = http.Features.Get<IConnectionItemsFeature>()?.Items;
            var path = http.Request.Path;
            if (connection is not null
                && (connection.ContainsKey(NorthboundEndpoint) != path.StartsWithSegments("/iocm")
                    || connection.ContainsKey(GatewayHosting.DeviceHttpsEndpoint) != path.StartsWithSegments("/v5")))
            {
                http.Response.StatusCode = StatusCodes.Status404NotFound;
                return Task.CompletedTask;
            }
            return next(http);
        });
        return app;
    }
}
