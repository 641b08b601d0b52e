using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Shoal.Delivery;
using Shoal.Server.Tests.Gateway;
using Shoal.Server.Tests.Infrastructure;
using Shoal.Server.Tests.Northbound;

namespace Shoal.Server.Tests.Subscriptions;

/// <summary>Shoal with its gateway and push delivery, allowed to push to loopback receivers (and nowhere else inside).</summary>
public class PushApplication<TDatabase> : GatewayApplication<TDatabase>
    where TDatabase : ITestDatabase, new()
{
    public const string SubscriptionsPath = "/iocm/app/sub/v1.2.0/subscriptions";

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseSetting("Delivery:AllowedNetworks:0", "127.0.0.0/8");
    }

    /// <summary>Runs one round of the push worker, as a second node would beside the one running in the background.</summary>
    public Task<int> RunPushRoundAsync() => Services.GetRequiredService<PushWorker>().RunOnceAsync(CancellationToken.None);

    public DeliveryOptions DeliveryOptions => Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<DeliveryOptions>>().Value;
}

public static class Push
{
    public static Task<HttpResponseMessage> SubscribeAsync(this NaClient na, string notifyType, string callbackUrl, string query = "") =>
        na.SendAsync(HttpMethod.Post, PushApplication<SqliteDatabase>.SubscriptionsPath + query, new { notifyType, callbackUrl });

    /// <summary>The owner's new signing secret, from the management API.</summary>
    public static async Task<string> RotateSigningSecretAsync(this NaApplication app) =>
        (await (await app.Owner.Client.PostAsync($"/api/v1/applications/{app.Id}/push/signing-secret", null)).JsonAsync())
            .GetProperty("secret").GetString()!;

    public static async Task<JsonElement> PushOverviewAsync(this NaApplication app) =>
        await app.Owner.Client.GetFromJsonAsync<JsonElement>($"/api/v1/applications/{app.Id}/push");

    public static async Task<JsonElement> DeadLettersAsync(this NaApplication app) =>
        await app.Owner.Client.GetFromJsonAsync<JsonElement>($"/api/v1/applications/{app.Id}/push/dead-letters");

    public static async Task<JsonElement> PushAttemptsAsync(this NaApplication app) =>
        await app.Owner.Client.GetFromJsonAsync<JsonElement>($"/api/v1/applications/{app.Id}/push/attempts");
}
