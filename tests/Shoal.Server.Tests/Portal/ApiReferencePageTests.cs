using Shoal.Server.Tests.Infrastructure;

namespace Shoal.Server.Tests.Portal;

/// <summary>The API reference page works on a server with no way out and sends no reader elsewhere.</summary>
[Collection(BrowserTests.Name)]
public sealed class ApiReferencePageTests(PortalApplication shoal) : IClassFixture<PortalApplication>
{
    [Fact]
    public async Task ApiReference_Loaded_RequestsOnlyShoal()
    {
        var page = await shoal.NewPageAsync();
        var requested = new List<string>();
        page.Request += (_, request) => { lock (requested) { requested.Add(request.Url); } };

        await page.GotoAsync("/api/reference");
        await page.GetByText("Shoal management API").First.WaitForAsync();
        await page.WaitForLoadStateAsync(Microsoft.Playwright.LoadState.NetworkIdle);

        var origin = shoal.Portal.GetLeftPart(UriPartial.Authority);
        lock (requested)
        {
            Assert.NotEmpty(requested);
            Assert.All(requested, url => Assert.True(
                url.StartsWith(origin + "/", StringComparison.Ordinal) || url.StartsWith("data:", StringComparison.Ordinal), url));
        }
    }

    [Fact]
    public async Task ApiReference_Loaded_ShowsNoLinkLeavingShoal()
    {
        var page = await shoal.NewPageAsync();
        await page.GotoAsync("/api/reference");
        await page.GetByText("Shoal management API").First.WaitForAsync();
        await page.WaitForLoadStateAsync(Microsoft.Playwright.LoadState.NetworkIdle);

        var outside = await page.EvaluateAsync<string[]>("""
            () => [...document.querySelectorAll('a[href]')]
              .filter(a => a.getClientRects().length > 0 && new URL(a.href, location.href).origin !== location.origin)
              .map(a => a.href + ' ' + a.textContent.trim())
            """);
        Assert.Empty(outside);
    }
}
