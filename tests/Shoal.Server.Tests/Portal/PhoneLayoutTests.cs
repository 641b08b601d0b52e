using System.Net;
using Microsoft.Playwright;
using Shoal.Server.Tests.Infrastructure;

namespace Shoal.Server.Tests.Portal;

/// <summary>Every portal page a user or the operator reaches fits a 360 px wide phone, and Sign out stays reachable.</summary>
[Collection(BrowserTests.Name)]
public sealed class PhoneLayoutTests(PortalApplication shoal) : IClassFixture<PortalApplication>
{
    private static readonly string[] SignedOutPages =
        ["/account/sign-in", "/account/sign-up", "/account/forgot-password", "/account/reset-password?token=x", "/terms"];

    private static readonly string[] OperatorPages =
    [
        "/operations/users", "/operations/invitations", "/operations/applications", "/operations/email-servers",
        "/operations/email-servers/new", "/operations/sms-servers", "/operations/sms-servers/new", "/operations/traces", "/operations/settings",
    ];

    [Fact]
    public async Task EveryUserPage_At360Pixels_FitsAndOffersSignOut()
    {
        var email = $"phone-{Guid.NewGuid():N}@example.com";
        var page = await PhonePageAsync();
        await SignUpAsync(page, email);
        var id = await page.GetAttributeAsync("#applications tr[data-application-id]", "data-application-id");
        var device = await RegisterDeviceAsync(page, id!);

        var failures = new List<string>();
        foreach (var path in (string[])[
            "/applications", "/applications/create", "/account/tokens", "/account/profile",
            $"/applications/{id}", $"/applications/{id}/edit", $"/applications/{id}/devices", $"/applications/{id}/devices/{device}",
            $"/applications/{id}/subscriptions", $"/applications/{id}/rules", $"/applications/{id}/rules/edit", $"/applications/{id}/grants",
            $"/applications/{id}/accepted-grants", $"/applications/{id}/traces", $"/applications/{id}/audit",
            $"/applications/{id}/live", $"/applications/{id}/devices/import"])
        {
            await CheckAsync(page, path, signedIn: true, failures);
        }

        Assert.True(failures.Count == 0, string.Join(Environment.NewLine, failures));
    }

    [Fact]
    public async Task EveryOperatorPage_At360Pixels_FitsAndOffersSignOut()
    {
        var page = await PhonePageAsync();
        await page.GotoAsync("/account/sign-in");
        await page.FillAsync("[name=email]", shoal.OperatorAccount.Email);
        await page.FillAsync("[name=password]", shoal.OperatorAccount.Password);
        await page.ClickAsync("#submit");
        await page.WaitForURLAsync("**/applications");

        var failures = new List<string>();
        foreach (var path in OperatorPages)
        {
            await CheckAsync(page, path, signedIn: true, failures);
        }

        Assert.True(failures.Count == 0, string.Join(Environment.NewLine, failures));
    }

    [Fact]
    public async Task EverySignedOutPage_At360Pixels_Fits()
    {
        var page = await PhonePageAsync();

        var failures = new List<string>();
        foreach (var path in SignedOutPages)
        {
            await CheckAsync(page, path, signedIn: false, failures);
        }

        Assert.True(failures.Count == 0, string.Join(Environment.NewLine, failures));
    }

    [Fact]
    public async Task SignOut_FromTheMenuAt360Pixels_SignsOut()
    {
        var page = await PhonePageAsync();
        await SignUpAsync(page, $"leaving-{Guid.NewGuid():N}@example.com");

        Assert.False(await page.IsVisibleAsync("#sign-out"));
        await page.ClickAsync("#menu-button");
        await page.ClickAsync("#sign-out");

        await page.WaitForURLAsync("**/account/sign-in**");
    }

    private static async Task CheckAsync(IPage page, string path, bool signedIn, List<string> failures)
    {
        var response = await page.GotoAsync(path);
        if (response?.Status != (int)HttpStatusCode.OK)
        {
            failures.Add($"{path} answered {response?.Status}.");
            return;
        }
        var widths = await page.EvaluateAsync<int[]>("() => [document.documentElement.scrollWidth, innerWidth]");
        var (scrollWidth, innerWidth) = (widths[0], widths[1]);
        if (scrollWidth > innerWidth)
        {
            var widest = await page.EvaluateAsync<string>("""
                () => [...document.querySelectorAll('body *')]
                  .filter(e => e.getBoundingClientRect().right > innerWidth + 0.5)
                  .map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + (e.className && typeof e.className === 'string' ? '.' + e.className.trim().split(/\s+/).join('.') : ''))
                  .slice(0, 5).join(', ')
                """);
            failures.Add($"{path} is {scrollWidth} px wide in a {innerWidth} px window: {widest}");
        }
        if (signedIn)
        {
            await page.ClickAsync("#menu-button");
            if (!await page.IsVisibleAsync("#sign-out"))
            {
                failures.Add($"{path}: Sign out is not shown once the menu is open.");
            }
            await page.ClickAsync("#menu-button");
        }
    }

    private async Task<IPage> PhonePageAsync()
    {
        var context = await shoal.Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = shoal.Portal.ToString(),
            ViewportSize = new ViewportSize { Width = 360, Height = 740 },
            IsMobile = true,
        });
        context.SetDefaultTimeout(120_000);
        context.SetDefaultNavigationTimeout(120_000);
        return await context.NewPageAsync();
    }

    private static async Task SignUpAsync(IPage page, string email)
    {
        await page.GotoAsync("/account/sign-up");
        await page.FillAsync("[name=email]", email);
        await page.FillAsync("[name=password]", "a long enough passphrase");
        await page.CheckAsync("[name=acceptTerms]");
        await page.ClickAsync("#submit");
        await page.WaitForURLAsync("**/applications");
    }

    /// <summary>Registers a device through the management API with the page's own session.</summary>
    private static async Task<string> RegisterDeviceAsync(IPage page, string applicationId)
    {
        var token = await page.EvaluateAsync<string>("() => document.querySelector('input[name=__RequestVerificationToken]').value");
        var response = await page.APIRequest.PostAsync($"/api/v1/applications/{applicationId}/devices", new APIRequestContextOptions
        {
            DataObject = new { nodeId = "phone-node" },
            Headers = new Dictionary<string, string> { ["X-CSRF-TOKEN"] = token },
        });
        Assert.True(response.Ok, await response.TextAsync());
        var json = await response.JsonAsync();
        return json!.Value.GetProperty("device").GetProperty("id").GetString()!;
    }
}
