using System.Net;
using System.Net.Http.Json;
using System.Text;
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
    private static readonly byte[] Png = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13];

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
        var victimRule = await (await victim.Client.PostAsync($"/api/v1/applications/{victimAppId}/rules", RuleBody("victim-rule")))
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
            var response = await intruder.Client.SendAsync(new HttpRequestMessage(new HttpMethod(method), path) { Content = BodyFor(pattern) });
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

    /// <summary>A body the route would accept from its owner, so a refusal can only come from ownership.</summary>
    private static ByteArrayContent? BodyFor(string pattern) => pattern.TrimEnd('/') switch
    {
        _ when pattern.EndsWith("/icon", StringComparison.Ordinal) => new ByteArrayContent(Png),
        _ when pattern.EndsWith("/quota", StringComparison.Ordinal) => Json(new { quota = 50 }),
        _ when pattern.EndsWith("/devices/{deviceId}/secret", StringComparison.Ordinal) => Json(new { psk = "0123456789abcdef" }),
        _ when pattern.EndsWith("/secret", StringComparison.Ordinal) => Json(new { graceMinutes = 0 }),
        _ when pattern.EndsWith("/settings", StringComparison.Ordinal) => Json(new { historyMaxDays = 30 }),
        _ when pattern.Contains("email-servers", StringComparison.Ordinal) => Json(new
        {
            name = "intruder-smtp", host = "smtp.example.com", port = 587, tlsMode = "StartTls", senderAddress = "iot@example.com",
        }),
        _ when pattern.Contains("sms-servers", StringComparison.Ordinal) => Json(new { name = "intruder-sms", method = "POST", urlTemplate = "https://sms.example.com/send" }),
        "/api/v1/applications/{id}/rules" or "/api/v1/applications/{id}/rules/{ruleId}" => RuleBody("intruder-rule"),
        "/api/v1/applications/{id}/rules/{ruleId}/status" => Json(new { status = "inactive" }),
        "/api/v1/applications/{id}/devices" => Json(new { nodeId = "intruder-node" }),
        "/api/v1/applications/{id}/devices/{deviceId}" => Json(new { name = "intruder" }),
        "/api/v1/applications/{id}/devices/{deviceId}/properties" => Json(new { services = new[] { new { serviceId = "Switch", properties = new { on = true } } } }),
        "/api/v1/applications/{id}/devices/{deviceId}/messages" => Json(new { door = "open" }),
        "/api/v1/applications/{id}/grants" => Json(new { granteeApplicationId = "intruder", level = "Edit" }),
        "/api/v1/applications/{id}" => Json(new { industry = "healthcare", description = "changed by intruder" }),
        "/api/v1/applications" => Json(new { name = "intruder-app", industry = "retail", acceptTerms = true }),
        _ => null,
    };

    private static readonly string[] PhoneNumbers = ["+4915112345678"];

    private static StringContent RuleBody(string name) => Json(new
    {
        name,
        conditions = new[] { new { type = "DEVICE_DATA", deviceInfo = new { path = "Temperature/temperature" }, @operator = ">", value = 30 } },
        actions = new[] { new { type = "SMS", numbers = PhoneNumbers, content = "{value}" } },
    });

    private static StringContent Json(object value) => new(JsonSerializer.Serialize(value), Encoding.UTF8, "application/json");
}

public sealed class IsolationTestsOnSqlite(ShoalApplication<SqliteDatabase> shoal) : IsolationTests<SqliteDatabase>(shoal);

public sealed class IsolationTestsOnPostgres(ShoalApplication<PostgresDatabase> shoal) : IsolationTests<PostgresDatabase>(shoal);
