using Microsoft.Playwright;
using Shoal.Server.Tests.Infrastructure;

namespace Shoal.Server.Tests.Portal;

/// <summary>The Rules tab and its form, in a real Chromium against a real socket.</summary>
[Collection(BrowserTests.Name)]
public sealed class RulesTabTests(PortalApplication shoal) : IClassFixture<PortalApplication>
{
    [Fact]
    public async Task RuleForm_TwoConditionsAndAnEmail_TheRuleIsListedActive()
    {
        var page = await NewRuleFormAsync("kim@example.com");
        await FillTooWarmAsync(page, "ops@example.com");
        await page.ClickAsync("#add-condition");
        await page.SelectOptionAsync("#condition-1-type", "DEVICE_STATUS");
        await page.SelectOptionAsync("#condition-1-status", "OFFLINE");
        await page.CheckAsync("#logic-or");

        await page.ClickAsync("#save");

        await page.WaitForSelectorAsync("#done");
        var row = await page.InnerTextAsync("#rules tbody tr");
        Assert.Contains("too warm", row, StringComparison.Ordinal);
        Assert.Contains("Active", row, StringComparison.Ordinal);
        Assert.Contains("Temperature/temperature of any device is greater than 30 OR any device goes OFFLINE", row, StringComparison.Ordinal);
        Assert.Contains("e-mail to ops@example.com", row, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RuleForm_EnterInTheName_SavesTheRuleWithoutAddingACondition()
    {
        var page = await NewRuleFormAsync("noor@example.com");
        await FillTooWarmAsync(page, "ops@example.com");

        await page.PressAsync("#name", "Enter");

        await page.WaitForSelectorAsync("#done");
        Assert.Contains("Temperature/temperature of any device is greater than 30", await page.InnerTextAsync("#rules tbody tr"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RuleForm_MalformedRecipient_ShowsTheErrorBesideItAndSavesNothing()
    {
        var page = await NewRuleFormAsync("lea@example.com");
        await FillTooWarmAsync(page, "not-an-address");

        await page.ClickAsync("#save");

        Assert.Contains("not-an-address", await page.InnerTextAsync("#action-0 .field-error"), StringComparison.Ordinal);
        Assert.Equal("Temperature/temperature", await page.InputValueAsync("#condition-0-path"));
        await page.ClickAsync("#cancel");
        Assert.Equal(0, await page.Locator("#rules tbody tr").CountAsync());
    }

    [Fact]
    public async Task RulesTab_Deactivate_ShowsTheRuleInactive()
    {
        var page = await NewRuleFormAsync("max@example.com");
        await FillTooWarmAsync(page, "ops@example.com");
        await page.ClickAsync("#save");
        await page.WaitForSelectorAsync("#done");

        await page.ClickAsync("#rules tbody tr .toggle");

        await page.WaitForSelectorAsync("#done");
        Assert.Equal("Inactive", await page.InnerTextAsync("#rules tbody tr .rule-status"));
    }

    /// <summary>Signs up, opens the default application's Rules tab through its tab and the rule form from there.</summary>
    private async Task<IPage> NewRuleFormAsync(string email)
    {
        var page = await shoal.SignedUpPageAsync(email);
        var applicationId = await page.GetAttributeAsync("#applications tr[data-application-id]", "data-application-id");
        await page.GotoAsync($"/applications/{applicationId}");
        await page.ClickAsync("#tab-rules");
        await page.ClickAsync("#new-rule");
        return page;
    }

    private static async Task FillTooWarmAsync(IPage page, string recipient)
    {
        await page.FillAsync("#name", "too warm");
        await page.FillAsync("#condition-0-path", "Temperature/temperature");
        await page.SelectOptionAsync("#condition-0-operator", ">");
        await page.FillAsync("#condition-0-value", "30");
        await page.FillAsync("#action-0-recipients", recipient);
        await page.FillAsync("#action-0-subject", "{deviceName} is at {value}");
        await page.FillAsync("#action-0-content", "{property} of {deviceName} went over 30: {value}");
    }
}
