using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Shoal.Server.Tests.Infrastructure;
using Shoal.Storage;
using Shoal.Storage.Entities;

namespace Shoal.Server.Tests.Portal;

/// <summary>The Subscriptions tab, in a real Chromium against a real socket.</summary>
[Collection(BrowserTests.Name)]
public sealed class SubscriptionsTabTests(PortalApplication shoal) : IClassFixture<PortalApplication>
{
    [Fact]
    public async Task SubscriptionsTab_DeadLetter_ShowsHealthAndReplayPutsItBackInLine()
    {
        var page = await shoal.SignedUpPageAsync("ines@example.com");
        var applicationId = (await page.GetAttributeAsync("#applications tr[data-application-id]", "data-application-id"))!;
        var deliveryId = await AddDeadLetterAsync(applicationId);

        await page.GotoAsync($"/applications/{applicationId}");
        await page.ClickAsync("#tab-subscriptions");

        var health = await page.InnerTextAsync("#subscriptions tbody tr");
        Assert.Contains("deviceDataChanged", health, StringComparison.Ordinal);
        Assert.Contains("Invalid", health, StringComparison.Ordinal);
        Assert.Contains("The receiver answered 500", await page.InnerTextAsync($"#dead-letters tr[data-delivery-id='{deliveryId}']"), StringComparison.Ordinal);

        await page.ClickAsync($"#dead-letters tr[data-delivery-id='{deliveryId}'] .replay");

        await page.WaitForSelectorAsync("#replayed");
        await using var scope = shoal.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ShoalDb>();
        Assert.NotEqual(PushDeliveryState.DeadLettered, (await db.PushDeliveries.AsNoTracking().SingleAsync(d => d.Id == deliveryId)).State);
    }

    [Fact]
    public async Task SubscriptionsTab_NewSigningSecret_IsShownOnce()
    {
        var page = await shoal.SignedUpPageAsync("jon@example.com");
        var applicationId = await page.GetAttributeAsync("#applications tr[data-application-id]", "data-application-id");
        await page.GotoAsync($"/applications/{applicationId}/subscriptions");

        await page.ClickAsync("#rotate-signing-secret");

        Assert.StartsWith("whsec_", await page.InnerTextAsync("#signing-secret"), StringComparison.Ordinal);
        await page.GotoAsync($"/applications/{applicationId}/subscriptions");
        Assert.Equal(0, await page.Locator("#signing-secret").CountAsync());
    }

    private async Task<long> AddDeadLetterAsync(string applicationId)
    {
        await using var scope = shoal.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ShoalDb>();
        var now = shoal.Time.GetUtcNow();
        var subscription = new Subscription
        {
            Id = Guid.NewGuid().ToString(), ApplicationId = applicationId, SubscriberId = applicationId, NotifyType = "deviceDataChanged",
            CallbackUrl = "http://na.example.com/push", CreatedAt = now, State = SubscriptionState.Invalid, ConsecutiveFailures = 10,
            LastFailureAt = now, LastError = "The receiver answered 500 Internal Server Error.", NextProbeAt = now.AddHours(1),
        };
        var delivery = new PushDelivery
        {
            WebhookId = "msg_portal", SubscriptionId = subscription.Id, ApplicationId = applicationId, NotifyType = "deviceDataChanged",
            Body = "{}", CreatedAt = now, NextAttemptAt = now, State = PushDeliveryState.DeadLettered, Attempts = 10, FinishedAt = now,
            LastError = "Not delivered within the retry window. Last error: The receiver answered 500 Internal Server Error.",
        };
        db.Subscriptions.Add(subscription);
        db.PushDeliveries.Add(delivery);
        await db.SaveChangesAsync();
        return delivery.Id;
    }
}
