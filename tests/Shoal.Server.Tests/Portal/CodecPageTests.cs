using Microsoft.EntityFrameworkCore;
using Microsoft.Playwright;
using Shoal.Server.Tests.Infrastructure;

namespace Shoal.Server.Tests.Portal;

/// <summary>The CoAP codec page: declaring, trying a payload before saving, the errors of a bad definition, removing.</summary>
[Collection(BrowserTests.Name)]
public sealed class CodecPageTests(PortalApplication shoal) : IClassFixture<PortalApplication>
{
    private const string Meter = """{"messages":[{"messageId":1,"serviceId":"Meter","fields":[{"name":"temperature","offset":1,"type":"int16","scale":0.1},{"name":"battery","offset":3,"type":"uint8"}]}]}""";

    [Fact]
    public async Task Save_ValidDefinition_IsStoredAndCountedOnTheApplication()
    {
        var (page, applicationId) = await CodecPageAsync("ines@example.com");

        await page.FillAsync("#definition", Meter);
        await page.ClickAsync("#save-codec");
        await page.Locator("#saved").WaitForAsync();

        Assert.Equal(Meter, await CodecAsync(applicationId));
        await page.GotoAsync($"/applications/{applicationId}");
        Assert.Equal("Declared: 1 message(s), 0 response(s), 0 command(s).", (await page.InnerTextAsync("#codec-summary")).Trim());
    }

    [Fact]
    public async Task Save_BadDefinition_ListsEveryProblemAndStoresNothing()
    {
        var (page, applicationId) = await CodecPageAsync("jonah@example.com");

        await page.FillAsync("#definition", """{"messages":[{"messageId":1,"serviceId":"","fields":[{"name":"t","offset":0,"type":"int128"}]}]}""");
        await page.ClickAsync("#save-codec");

        Assert.True(await page.Locator("#codec-errors li").CountAsync() >= 2, await page.InnerTextAsync("#codec-errors"));
        Assert.Null(await CodecAsync(applicationId));
    }

    [Fact]
    public async Task Try_PayloadWithTheUnsavedDefinition_ShowsWhatItBecomesAndSavesNothing()
    {
        var (page, applicationId) = await CodecPageAsync("kiri@example.com");

        await page.FillAsync("#definition", Meter);
        await page.FillAsync("#sample", "01 00 D7 55");
        await page.ClickAsync("#try-sample");

        var result = await page.InnerTextAsync("#sample-result");
        Assert.Contains("Read by the codec as properties", result, StringComparison.Ordinal);
        Assert.Contains("""Meter {"temperature":21.5,"battery":85}""", result, StringComparison.Ordinal);
        Assert.Equal(Meter, await page.InputValueAsync("#definition"));
        Assert.Null(await CodecAsync(applicationId));
    }

    [Fact]
    public async Task Remove_Confirmed_TheCodecIsGone()
    {
        var (page, applicationId) = await CodecPageAsync("lior@example.com");
        await page.FillAsync("#definition", Meter);
        await page.ClickAsync("#save-codec");
        await page.Locator("#saved").WaitForAsync();

        await page.ClickAsync("#remove-codec");
        await page.ClickAsync("#confirm-remove");
        await page.Locator("#removed").WaitForAsync();

        Assert.Null(await CodecAsync(applicationId));
        Assert.Equal("", await page.InputValueAsync("#definition"));
    }

    private async Task<(IPage Page, string ApplicationId)> CodecPageAsync(string email)
    {
        var page = await shoal.SignedUpPageAsync(email);
        var applicationId = (await page.GetAttributeAsync("#applications tr[data-application-id]", "data-application-id"))!;
        await page.GotoAsync($"/applications/{applicationId}");
        await page.ClickAsync("#edit-codec");
        await page.Locator("#definition").WaitForAsync();
        return (page, applicationId);
    }

    private Task<string?> CodecAsync(string applicationId) =>
        shoal.Database.QueryAsync(db => db.Applications.Where(a => a.Id == applicationId).Select(a => a.Codec).SingleAsync());
}
