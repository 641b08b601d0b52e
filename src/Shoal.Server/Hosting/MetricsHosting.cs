using System.Diagnostics.Metrics;
using Microsoft.Extensions.Options;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using Shoal.Server.Operations;
using Shoal.Storage;

namespace Shoal.Server.Hosting;

internal static class MetricsHosting
{
    /// <summary>
    /// Shoal's own meter beside the built-in ones that already say what an operator asks: ASP.NET Core's requests by
    /// route and status, Kestrel's connections, EF Core's contexts and queries, and Npgsql's connection pool.
    /// </summary>
    public static WebApplicationBuilder AddMetrics(this WebApplicationBuilder builder)
    {
        var options = builder.Configuration.GetSection(MetricsOptions.Section).Get<MetricsOptions>() ?? new MetricsOptions();
        options.Validate();
        builder.Services.AddSingleton(Options.Create(options));
        if (options.Path.Length == 0)
        {
            return builder;
        }
        var storage = builder.Configuration.GetSection(StorageOptions.Section).Get<StorageOptions>() ?? new StorageOptions();
        builder.Services.AddOpenTelemetry().ConfigureResource(resource => resource.AddService("shoal")).WithMetrics(metrics =>
        {
            metrics.AddMeter(ShoalMeter.Name, "Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel", "Microsoft.EntityFrameworkCore");
            if (storage.Provider == DatabaseProvider.Postgres)
            {
                metrics.AddMeter("Npgsql");
            }
            metrics.AddPrometheusExporter();
            // A meter made through a host's factory belongs to that host: where one process runs several hosts (as
            // the tests do), each answers for its own. Meters made without a factory (EF Core, Npgsql) are shared.
            ((IDeferredMeterProviderBuilder)metrics).Configure((services, builder) =>
            {
                var ownFactory = services.GetRequiredService<IMeterFactory>();
                builder.AddView(instrument => instrument.Meter.Scope is null || ReferenceEquals(instrument.Meter.Scope, ownFactory)
                    ? null
                    : MetricStreamConfiguration.Drop);
            });
        });
        return builder;
    }

    /// <summary>
    /// The scrape, without sign-in as scrapers have none. It is on the portal's address alone:
    /// <see cref="NorthboundHosting.SeparateAddresses"/> keeps the other addresses to their own paths.
    /// </summary>
    public static WebApplication MapMetrics(this WebApplication app)
    {
        var path = app.Services.GetRequiredService<IOptions<MetricsOptions>>().Value.Path;
        if (path.Length > 0)
        {
            app.MapPrometheusScrapingEndpoint(path).AllowAnonymous();
        }
        return app;
    }
}
