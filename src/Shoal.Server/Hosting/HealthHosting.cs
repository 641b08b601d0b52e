using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Shoal.Storage;

namespace Shoal.Server.Hosting;

/// <summary>
/// <c>/health/live</c> answers while the process serves requests at all; <c>/health/ready</c> while this node can do
/// its work: the database answers, its schema is current, every listener is bound and the node is not stopping. The
/// event log's unread backlog is reported too, as degraded (still ready) when the push and rule followers fall far
/// behind. Both are on the portal listener only and need no sign-in: balancers and service managers call them.
/// </summary>
internal static class HealthHosting
{
    private const string Ready = "ready";

    public static WebApplicationBuilder AddHealth(this WebApplicationBuilder builder)
    {
        builder.Services.AddHealthChecks()
            .AddCheck<DatabaseHealth>("database", tags: [Ready])
            .AddCheck<ListenerHealth>("listeners", tags: [Ready])
            .AddCheck<EventLogHealth>("event-log", tags: [Ready]);
        return builder;
    }

    public static WebApplication MapHealth(this WebApplication app)
    {
        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false, ResponseWriter = WriteAsync }).AllowAnonymous();
        app.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = c => c.Tags.Contains(Ready), ResponseWriter = WriteAsync }).AllowAnonymous();
        return app;
    }

    private static Task WriteAsync(HttpContext http, HealthReport report)
    {
        http.Response.Headers.CacheControl = "no-store";
        return http.Response.WriteAsJsonAsync(new
        {
            status = report.Status.ToString(),
            checks = report.Entries.ToDictionary(e => e.Key, e =>
            {
                var check = new Dictionary<string, object>(e.Value.Data) { ["status"] = e.Value.Status.ToString() };
                if (e.Value.Description is { } description)
                {
                    check["description"] = description;
                }
                return check;
            }),
        });
    }

    /// <summary>The database answers and no migration is pending (with <c>Storage:MigrateOnStart</c> off, until <c>migrate</c> runs).</summary>
    private sealed class DatabaseHealth(IServiceScopeFactory scopes) : IHealthCheck
    {
        private volatile bool _current;

        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<ShoalDb>();
            try
            {
                if (!await db.Database.CanConnectAsync(cancellationToken))
                {
                    return HealthCheckResult.Unhealthy("The database cannot be reached.");
                }
                if (!_current)
                {
                    var pending = (await db.Database.GetPendingMigrationsAsync(cancellationToken)).Count();
                    if (pending > 0)
                    {
                        return HealthCheckResult.Unhealthy($"Migrations pending: {pending}.");
                    }
                    _current = true;
                }
                return HealthCheckResult.Healthy();
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                return HealthCheckResult.Unhealthy($"The database failed: {e.Message}");
            }
        }
    }

    /// <summary>The host starts its services (the gateway binds its ports) before it reports started; it stops them after stopping.</summary>
    private sealed class ListenerHealth(IHostApplicationLifetime lifetime) : IHealthCheck
    {
        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
            Task.FromResult(
                lifetime.ApplicationStopping.IsCancellationRequested ? HealthCheckResult.Unhealthy("Shoal is stopping.")
                : lifetime.ApplicationStarted.IsCancellationRequested ? HealthCheckResult.Healthy()
                : HealthCheckResult.Unhealthy("Shoal is starting."));
    }

    /// <summary>Device events written but not yet read by the push or the rule follower.</summary>
    private sealed class EventLogHealth(IServiceScopeFactory scopes) : IHealthCheck
    {
        public const long FarBehind = 10_000;

        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<ShoalDb>();
            var newest = await db.DeviceEvents.MaxAsync(e => (long?)e.Id, cancellationToken) ?? 0;
            var pushed = await db.PushCursors.MaxAsync(c => (long?)c.LastEventId, cancellationToken) ?? 0;
            var ruled = await db.RuleCursors.MaxAsync(c => (long?)c.LastEventId, cancellationToken) ?? 0;
            var (unpushed, unruled) = (Math.Max(0, newest - pushed), Math.Max(0, newest - ruled));
            var data = new Dictionary<string, object> { ["unpushed"] = unpushed, ["unruled"] = unruled };
            var behind = Math.Max(unpushed, unruled);
            return behind > FarBehind
                ? HealthCheckResult.Degraded($"The followers are {behind} events behind.", data: data)
                : HealthCheckResult.Healthy(data: data);
        }
    }
}
