using Microsoft.Extensions.Options;
using Shoal.Server.Tracing;
using Shoal.Storage.Tracing;

namespace Shoal.Server.Hosting;

internal static class TracingHosting
{
    /// <summary>Operators' traces: the recorder the gateway and delivery report to, its writer, the sessions and the retention.</summary>
    public static WebApplicationBuilder AddTracing(this WebApplicationBuilder builder)
    {
        var options = builder.Configuration.GetSection(TracingOptions.Section).Get<TracingOptions>() ?? new TracingOptions();
        options.Validate();
        var services = builder.Services;
        services.AddSingleton(Options.Create(options));
        services.AddSingleton<TraceRecorder>();
        services.AddSingleton<TraceWriter>();
        services.AddHostedService(sp => sp.GetRequiredService<TraceWriter>());
        services.AddScoped<TraceSessions>();
        services.AddScoped<TraceFlows>();
        services.AddSingleton<TraceRetentionWorker>();
        services.AddHostedService(sp => sp.GetRequiredService<TraceRetentionWorker>());
        return builder;
    }
}
