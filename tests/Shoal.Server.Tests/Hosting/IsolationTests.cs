using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Shoal.Server.Tests.Infrastructure;

namespace Shoal.Server.Tests.Hosting;

/// <summary>
/// Walks every management API route as one user, aimed at another user's objects, and proves that
/// nothing of the other user is answered and nothing of it changes. New routes are walked automatically.
/// </summary>
public abstract class IsolationTests<TDatabase>(ShoalApplication<TDatabase> shoal) : IClassFixture<ShoalApplication<TDatabase>>
    where TDatabase : ITestDatabase, new()
{
    [Fact]
    public async Task EveryRoute_AnotherUsersObjects_AnswersNothingOfThemAndChangesNothing()
    {
        var victim = await shoal.SignUpAsync("victim");
        var created = await (await victim.Client.PostAsJsonAsync("/api/v1/applications", new
        {
            name = "victim-app", industry = "retail", description = "victim-marker", acceptTerms = true,
        })).JsonAsync(HttpStatusCode.Created);
        var victimAppId = created.GetProperty("applicationId").GetString()!;
        var victimTokens = await victim.Client.GetFromJsonAsync<JsonElement>("/api/v1/account/tokens");
        var victimTokenId = victimTokens[0].GetProperty("id").GetString()!;
        var victimDevice = await (await victim.Client.PostAsJsonAsync($"/api/v1/applications/{victimAppId}/devices", new { nodeId = "victim-node" }))
            .JsonAsync(HttpStatusCode.Created);
        var victimDeviceId = victimDevice.GetProperty("device").GetProperty("id").GetString()!;
        var victimDefaultAppId = (await victim.Client.GetFromJsonAsync<JsonElement>("/api/v1/applications")).GetProperty("items")[0].GetProperty("id").GetString()!;
        var victimGrant = await (await victim.Client.PostAsJsonAsync($"/api/v1/applications/{victimAppId}/grants", new { granteeApplicationId = victimDefaultAppId, level = "View" }))
            .JsonAsync(HttpStatusCode.Created);
        var victimGrantId = victimGrant.GetProperty("id").GetString()!;
        var victimRule = await (await victim.Client.PostAsync($"/api/v1/applications/{victimAppId}/rules", RouteBodies.Rule("victim-rule")))
            .JsonAsync(HttpStatusCode.Created);
        var victimRuleId = victimRule.GetProperty("ruleId").GetString()!;
        var before = await SnapshotAsync(victim, victimAppId);

        var intruder = await shoal.SignUpAsync("intruder");
        var routes = ApiRoutes();
        Assert.True(routes.Count >= 20, $"Only {routes.Count} routes found; is the walk still seeing the API?");

        foreach (var (method, pattern) in routes)
        {
            var path = pattern
                .Replace("{deviceId}", victimDeviceId)
                .Replace("{grantId:guid}", victimGrantId)
                .Replace("{ruleId}", victimRuleId)
                .Replace("{id:guid}", pattern.Contains("/tokens/") ? victimTokenId : victim.Id.ToString())
                .Replace("{id}", victimAppId)
                .Replace("{documentName}", "v1");
            var response = await intruder.Client.SendAsync(new HttpRequestMessage(new HttpMethod(method), path) { Content = RouteBodies.For(pattern) });
            var body = await response.Content.ReadAsStringAsync();

            Assert.False(body.Contains("victim", StringComparison.OrdinalIgnoreCase), $"{method} {path} answered the victim's data: {body}");
            if (pattern.Contains('{'))
            {
                Assert.True(
                    response.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.Forbidden,
                    $"{method} {path} answered {(int)response.StatusCode} to another user: {body}");
            }
        }

        Assert.Equal(before, await SnapshotAsync(victim, victimAppId));
    }

    private static async Task<string> SnapshotAsync(TestUser user, string applicationId) =>
        await user.Client.GetStringAsync($"/api/v1/applications/{applicationId}")
        + await user.Client.GetStringAsync($"/api/v1/applications/{applicationId}/audit")
        + await user.Client.GetStringAsync("/api/v1/account")
        + await user.Client.GetStringAsync("/api/v1/account/tokens")
        + await user.Client.GetStringAsync($"/api/v1/applications/{applicationId}/devices")
        + await user.Client.GetStringAsync($"/api/v1/applications/{applicationId}/grants")
        + await user.Client.GetStringAsync($"/api/v1/applications/{applicationId}/rules");

    private List<(string Method, string Pattern)> ApiRoutes() =>
        [.. shoal.Services.GetRequiredService<EndpointDataSource>().Endpoints
            .OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText?.StartsWith("/api/v1", StringComparison.Ordinal) == true)
            .SelectMany(e => (e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? ["GET"]).Select(m => (m, e.RoutePattern.RawText!)))
            .Where(r => r.Item2 is not "/api/v1/account" and not "/api/v1/tokens" || r.m == "GET")];
}

public sealed class IsolationTestsOnSqlite(ShoalApplication<SqliteDatabase> shoal) : IsolationTests<SqliteDatabase>(shoal);

public sealed class IsolationTestsOnPostgres(ShoalApplication<PostgresDatabase> shoal) : IsolationTests<PostgresDatabase>(shoal);
