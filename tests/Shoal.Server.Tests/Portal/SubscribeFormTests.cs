using Microsoft.AspNetCore.Http;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Shoal.Server.Tests.Subscriptions;
using Shoal.Storage;

namespace Shoal.Server.Tests.Portal;

/// <summary>Subscribing, trying the receiver and unsubscribing on the Subscriptions tab, against a real receiver on loopback.</summary>
[Collection(BrowserTests.Name)]
public sealed class SubscribeFormTests(TracingPortalApplication shoal) : IClassFixture<TracingPortalApplication>
{
    [Fact]
    public async Task Subscribe_ThenTest_TheReceiverGetsASamplePushAndItsAnswerIsShown()
    {
        await using var receiver = await PushReceiver.StartAsync();
        receiver.Answer = _ => StatusCodes.Status202Accepted;
        var page = await shoal.SignedUpPageAsync("quinn@example.com");
        var applicationId = await page.GetAttributeAsync("#applications tr[data-application-id]", "data-application-id");
        await page.GotoAsync($"/applications/{applicationId}/subscriptions");

        await page.SelectOptionAsync("#notifyType", "deviceDataChanged");
        await page.FillAsync("#callbackUrl", receiver.Url());
        await page.ClickAsync("#submit-subscription");
        await page.WaitForSelectorAsync("#subscribed");
        await page.ClickAsync("#subscriptions .test-subscription");

        Assert.Contains("answered 202", await page.InnerTextAsync("#test-result"), StringComparison.Ordinal);
        Assert.Contains("\"notifyType\":\"deviceDataChanged\"", (await receiver.NextAsync()).Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Subscribe_CallbackNotAUrl_TheFieldSaysWhyAndNothingIsStored()
    {
        var page = await shoal.SignedUpPageAsync("rosa@example.com");
        var applicationId = await page.GetAttributeAsync("#applications tr[data-application-id]", "data-application-id");
        await page.GotoAsync($"/applications/{applicationId}/subscriptions");

        await page.SelectOptionAsync("#notifyType", "deviceAdded");
        await page.FillAsync("#callbackUrl", "na.example.com/push");
        await page.ClickAsync("#submit-subscription");

        Assert.False(string.IsNullOrWhiteSpace(await page.InnerTextAsync("#callbackUrl-error")));
        Assert.Equal(0, await CountSubscriptionsAsync(applicationId!));
    }

    [Fact]
    public async Task Delete_Confirmed_TheSubscriptionIsGone()
    {
        var page = await shoal.SignedUpPageAsync("saul@example.com");
        var applicationId = await page.GetAttributeAsync("#applications tr[data-application-id]", "data-application-id");
        await page.GotoAsync($"/applications/{applicationId}/subscriptions");
        await page.SelectOptionAsync("#notifyType", "deviceAdded");
        await page.FillAsync("#callbackUrl", "http://127.0.0.1:9/added");
        await page.ClickAsync("#submit-subscription");
        await page.WaitForSelectorAsync("#subscribed");

        await page.ClickAsync("#subscriptions .delete-subscription");
        await page.ClickAsync("#subscriptions .confirm-delete");

        await page.WaitForSelectorAsync("#subscriptions tbody tr", new() { State = Microsoft.Playwright.WaitForSelectorState.Detached });
        Assert.Equal(0, await CountSubscriptionsAsync(applicationId!));
    }

    private async Task<int> CountSubscriptionsAsync(string applicationId)
    {
        await using var scope = shoal.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<ShoalDb>().Subscriptions.CountAsync(s => s.ApplicationId == applicationId);
    }
}
