using Shoal.Server.Tests.Infrastructure;
using Shoal.Server.Tests.Rules;

namespace Shoal.Server.Tests.Portal;

/// <summary>The operator tries an e-mail or SMS server from its list, against real servers on loopback.</summary>
[Collection(BrowserTests.Name)]
public sealed class TestSendTests(PortalApplication shoal) : IClassFixture<PortalApplication>
{
    [Fact]
    public async Task EmailServers_SendTest_TheMailArrivesAndThePageSaysTheServerTookIt()
    {
        await using var smtp = SmtpReceiver.Start();
        var serverId = await shoal.AddEmailServerAsync(smtp);
        var page = await shoal.SignedInPageAsync(shoal.OperatorAccount);
        await page.GotoAsync("/operations/email-servers");

        var row = page.Locator($"tr[data-server-id='{serverId}']");
        await row.Locator(".send-test").ClickAsync();
        await row.Locator("input[name=to]").FillAsync("ops@example.com");
        await row.Locator(".confirm-send").ClickAsync();

        Assert.Contains("took the test message", await page.InnerTextAsync("#test-result"), StringComparison.Ordinal);
        Assert.Equal("ops@example.com", (await smtp.NextAsync()).To.Mailboxes.Single().Address);
    }

    [Fact]
    public async Task SmsServers_GatewayRefuses_ThePageShowsItsAnswer()
    {
        await using var gateway = await SmsGateway.StartAsync();
        gateway.Refusal = 503;
        var serverId = await shoal.AddSmsServerAsync(gateway);
        var page = await shoal.SignedInPageAsync(shoal.OperatorAccount);
        await page.GotoAsync("/operations/sms-servers");

        var row = page.Locator($"tr[data-server-id='{serverId}']");
        await row.Locator(".send-test").ClickAsync();
        await row.Locator("input[name=to]").FillAsync("+4915112345678");
        await row.Locator(".confirm-send").ClickAsync();

        var result = await page.InnerTextAsync("#test-result");
        Assert.Contains("did not take the test message", result, StringComparison.Ordinal);
        Assert.Contains("503", result, StringComparison.Ordinal);
    }
}
