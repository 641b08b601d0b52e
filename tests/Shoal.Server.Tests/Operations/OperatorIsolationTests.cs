using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Shoal.Server.Tests.Gateway;
using Shoal.Server.Tests.Infrastructure;
using Shoal.Server.Tests.Subscriptions;
using Shoal.Server.Tests.Tracing;

namespace Shoal.Server.Tests.Operations;

/// <summary>
/// Walks every route of the running server as the operator, by API token and by portal cookie, aimed at a user's real
/// application, device, subscription, rule and command, and proves that none of that user's device data is answered.
/// </summary>
public abstract class OperatorIsolationTests<TDatabase>(PushApplication<TDatabase> shoal) : IClassFixture<PushApplication<TDatabase>>
    where TDatabase : ITestDatabase, new()
{
    /// <summary>
    /// The only routes that may answer the operator with another user's IDs in them. Each touches metadata the operator
    /// owns by role; a new route that answers the operator must be added here on purpose.
    /// </summary>
    private static readonly HashSet<string> OperatorRoutes =
    [
        "PUT /api/v1/operator/users/{id:guid}/quota",
        "POST /api/v1/operator/users/{id:guid}/freeze",
        "POST /api/v1/operator/users/{id:guid}/unfreeze",
        "POST /api/v1/operator/users/{id:guid}/password-reset",
        "POST /api/v1/operator/applications/{id}/freeze",
        "POST /api/v1/operator/applications/{id}/unfreeze",
    ];

    private static readonly string[] OperatorApplicationFields =
        ["id", "name", "ownerId", "ownerEmail", "industry", "isDefault", "tracing", "tracingUntil", "frozen", "createdAt"];

    [Fact]
    public async Task EveryRoute_AsOperator_AnswersNoDeviceDataOfAnyUser()
    {
        var victim = await VictimAsync();
        var cookie = await shoal.SignInWithCookieAsync(shoal.OperatorAccount);
        var routes = Routes();
        Assert.True(routes.Count >= 80, $"Only {routes.Count} routes found; is the walk still seeing the server?");

        var failures = new List<string>();
        foreach (var (client, credential) in new[] { (shoal.Operator, "API token"), (cookie, "cookie") })
        {
            foreach (var (method, pattern) in routes)
            {
                var path = victim.Fill(pattern);
                var request = new HttpRequestMessage(new HttpMethod(method), path) { Content = RouteBodies.For(pattern) };
                request.Headers.Add("app_key", victim.ApplicationId);
                var response = await client.SendAsync(request);
                var body = await response.Content.ReadAsStringAsync();
                var what = $"{method} {path} as the operator ({credential}) answered {(int)response.StatusCode}";

                if (victim.DeviceData.FirstOrDefault(marker => body.Contains(marker, StringComparison.OrdinalIgnoreCase)) is { } leaked)
                {
                    failures.Add($"{what} with device data '{leaked}'.");
                }
                else if (pattern.StartsWith("/iocm", StringComparison.Ordinal) ? response.IsSuccessStatusCode
                    : victim.Names(pattern) && !OperatorRoutes.Contains($"{method} {pattern}") && !Refused(response, client == cookie))
                {
                    failures.Add($"{what}: {body[..Math.Min(body.Length, 300)]}");
                }
            }
        }

        Assert.True(failures.Count == 0, string.Join(Environment.NewLine, failures));
    }

    /// <summary>Not found, forbidden, a page without that form, or a portal form posted without the session's antiforgery token, which a token client cannot have.</summary>
    private static bool Refused(HttpResponseMessage response, bool withSession) =>
        response.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.Forbidden or HttpStatusCode.MethodNotAllowed
        || (!withSession && response.StatusCode == HttpStatusCode.BadRequest && !response.RequestMessage!.RequestUri!.AbsolutePath.StartsWith("/api/", StringComparison.Ordinal));

    [Fact]
    public async Task OperatorApplications_AnswerApplicationMetadataOnly()
    {
        var victim = await VictimAsync();

        var body = await shoal.Operator.GetStringAsync($"/api/v1/operator/applications?search={victim.ApplicationId}");

        var row = Assert.Single(JsonDocument.Parse(body).RootElement.GetProperty("items").EnumerateArray());
        Assert.Equal(OperatorApplicationFields, row.EnumerateObject().Select(p => p.Name));
        Assert.DoesNotContain(victim.DeviceData, marker => body.Contains(marker, StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task StartTraceForm_ApplicationWithoutConsent_OffersNoDevices()
    {
        var victim = await VictimAsync();
        var cookie = await shoal.SignInWithCookieAsync(shoal.OperatorAccount);

        var page = await cookie.GetStringAsync($"/operations/traces?applicationId={victim.ApplicationId}");

        Assert.DoesNotContain(victim.DeviceId, page, StringComparison.Ordinal);
        Assert.Contains("id=\"no-devices\"", page, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EveryOperatorRoute_AsPlainUser_Answers403()
    {
        var user = await shoal.SignUpAsync();
        var cookie = await shoal.SignInWithCookieAsync(user);
        var routes = Routes().Where(r => r.Pattern.StartsWith("/api/v1/operator/", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(routes);

        foreach (var client in new[] { user.Client, cookie })
        {
            foreach (var (method, pattern) in routes)
            {
                var path = pattern.Replace("{id:guid}", user.Id.ToString()).Replace("{id}", "some-app");
                var response = await client.SendAsync(new HttpRequestMessage(new HttpMethod(method), path) { Content = RouteBodies.For(pattern) });

                Assert.True(response.StatusCode == HttpStatusCode.Forbidden, $"{method} {path} answered {(int)response.StatusCode} to a plain user.");
            }
        }
    }

    /// <summary>
    /// A user's application with a device that reported data, a subscription with a delivery, a rule, a command, and a trace
    /// of the device that the operator started while the application consented and that its owner has since withdrawn.
    /// </summary>
    private async Task<Victim> VictimAsync()
    {
        var (app, device) = await shoal.NewDeviceAsync(("tracing", "Always"));
        var trace = await Traces.StartedAsync(shoal.Operator, app.Id, device.Id);
        var subscription = await (await app.Na.SubscribeAsync("deviceDataChanged", "http://127.0.0.1:9/leaked-callback")).JsonAsync(HttpStatusCode.Created);
        using var mqtt = await shoal.ConnectAsync(device);
        await mqtt.ReportAsync(device, """{"services":[{"service_id":"LeakedService","properties":{"leakedReading":42}}]}""");
        await shoal.EventuallyAsync(db => db.PushDeliveries.AnyAsync(d => d.ApplicationId == app.Id));
        var deliveryId = await shoal.QueryAsync(db => db.PushDeliveries.Where(d => d.ApplicationId == app.Id).Select(d => d.Id).FirstAsync());
        var command = await (await app.Na.SendAsync(HttpMethod.Post, "/iocm/app/cmd/v1.4.0/deviceCommands", new
        {
            deviceId = device.Id, command = new { serviceId = "LeakedService", method = "LEAKED_METHOD", paras = new { on = true } },
        })).JsonAsync(HttpStatusCode.Created);
        var rule = await (await app.Owner.Client.PostAsync($"/api/v1/applications/{app.Id}/rules", RouteBodies.Rule("leaked-rule")))
            .JsonAsync(HttpStatusCode.Created);
        await Traces.SetTracingAsync(app, "Off");
        return new Victim(
            app.Id, app.Owner.Id, device.Id, subscription.GetProperty("subscriptionId").GetString()!,
            command.GetProperty("commandId").GetString()!, rule.GetProperty("ruleId").GetString()!, deliveryId, trace.GetProperty("id").GetString()!);
    }

    private List<(string Method, string Pattern)> Routes() =>
        [.. shoal.Services.GetRequiredService<EndpointDataSource>().Endpoints
            .OfType<RouteEndpoint>()
            .Select(e => (Endpoint: e, Pattern: "/" + e.RoutePattern.RawText!.TrimStart('/')))
            .Where(e => !e.Pattern.StartsWith("/_", StringComparison.Ordinal) && !e.Pattern.Contains('.', StringComparison.Ordinal))
            .SelectMany(e => (e.Endpoint.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? ["GET", "POST"]).Select(m => (m, e.Pattern)))
            .Where(r => r.Pattern is not "/account/sign-out" and not "/api/v1/account" and not "/api/v1/tokens" || r.m == "GET")
            .Distinct()];

    private sealed record Victim(
        string ApplicationId, Guid OwnerId, string DeviceId, string SubscriptionId, string CommandId, string RuleId, long DeliveryId, string TraceId)
    {
        /// <summary>What would show that the operator read the device's data: its ID, what it reported, and what the NA set up for it.</summary>
        public string[] DeviceData => [DeviceId, SubscriptionId, CommandId, RuleId, "LeakedService", "leakedReading", "leaked-callback", "LEAKED_METHOD", "leaked-rule"];

        /// <summary>Whether the route names one of this user's objects, and so must refuse anyone else.</summary>
        public bool Names(string pattern) => Fill(pattern) is var path && new[] { ApplicationId, DeviceId, SubscriptionId, CommandId, RuleId, TraceId, OwnerId.ToString() }
            .Any(id => path.Contains(id, StringComparison.Ordinal)) || pattern.Contains("{deliveryId", StringComparison.Ordinal);

        public string Fill(string pattern) => pattern
            .Replace("{deviceId}", DeviceId)
            .Replace("{subscriptionId}", SubscriptionId)
            .Replace("{commandId}", CommandId)
            .Replace("{ruleId}", RuleId)
            .Replace("{traceId}", TraceId)
            .Replace("{status}", "inactive")
            .Replace("{deliveryId:long}", DeliveryId.ToString(System.Globalization.CultureInfo.InvariantCulture))
            .Replace("{grantId:guid}", Guid.NewGuid().ToString())
            .Replace("{id:guid}", pattern.Contains("/users/", StringComparison.Ordinal) ? OwnerId.ToString() : Guid.NewGuid().ToString())
            .Replace("{id}", ApplicationId)
            .Replace("{documentName}", "v1")
            .Replace("{documentName?}", "v1");
    }
}

public sealed class OperatorIsolationTestsOnSqlite(PushApplication<SqliteDatabase> shoal) : OperatorIsolationTests<SqliteDatabase>(shoal);

public sealed class OperatorIsolationTestsOnPostgres(PushApplication<PostgresDatabase> shoal) : OperatorIsolationTests<PostgresDatabase>(shoal);
