using Microsoft.Playwright;

namespace Shoal.Server.Tests.Infrastructure;

/// <summary>Shoal on real loopback sockets, and a headless Debian Chromium driven by Playwright.</summary>
public class PortalApplication : SocketApplication<SqliteDatabase>
{
    private IPlaywright? _playwright;

    public IBrowser Browser { get; private set; } = null!;

    public override async ValueTask InitializeAsync()
    {
        await base.InitializeAsync();
        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = "/usr/bin/chromium",
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
        });
    }

    public async Task<IPage> NewPageAsync()
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = Portal.ToString(), AcceptDownloads = true });
        // Playwright's 30 seconds are a deadline for a fault, not a measure: on a loaded machine a page can take longer.
        context.SetDefaultTimeout(120_000);
        context.SetDefaultNavigationTimeout(120_000);
        return await context.NewPageAsync();
    }

    /// <summary>A new page signed in as <paramref name="user"/>.</summary>
    public async Task<IPage> SignedInPageAsync(TestUser user)
    {
        ArgumentNullException.ThrowIfNull(user);
        var page = await NewPageAsync();
        await page.GotoAsync("/account/sign-in");
        await page.FillAsync("[name=email]", user.Email);
        await page.FillAsync("[name=password]", user.Password);
        await page.ClickAsync("#submit");
        await page.WaitForURLAsync("**/applications");
        return page;
    }

    /// <summary>A new page signed in as a user who has just signed up (and so owns only the default application).</summary>
    public async Task<IPage> SignedUpPageAsync(string email)
    {
        var page = await NewPageAsync();
        await page.GotoAsync("/account/sign-up");
        await page.FillAsync("[name=email]", email);
        await page.FillAsync("[name=password]", "a long enough passphrase");
        await page.CheckAsync("[name=acceptTerms]");
        await page.ClickAsync("#submit");
        await page.WaitForURLAsync("**/applications");
        return page;
    }

    public override async ValueTask DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.DisposeAsync();
        }
        _playwright?.Dispose();
        await base.DisposeAsync();
    }
}
