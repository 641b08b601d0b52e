using Microsoft.Playwright;
using Shoal.Server.Tests.Accounts;
using Shoal.Server.Tests.Infrastructure;
using Shoal.Server.Tests.Rules;

namespace Shoal.Server.Tests.Portal;

/// <summary>Changing and resetting a password in the portal, in a real Chromium; the reset mail comes through a real SMTP server.</summary>
[Collection(BrowserTests.Name)]
public sealed class AccountPagesTests(PortalApplication shoal) : IClassFixture<PortalApplication>
{
    private const string NewPassword = "a brand new passphrase";

    [Fact]
    public async Task ChangePassword_OnTheProfilePage_SignsInWithTheNewPasswordOnly()
    {
        var email = $"changer-{Guid.NewGuid():N}@example.com";
        var page = await shoal.SignedUpPageAsync(email);

        await page.GotoAsync("/account/profile");
        await page.FillAsync("#currentPassword", "a long enough passphrase");
        await page.FillAsync("#newPassword", NewPassword);
        await page.ClickAsync("#change-password");
        await page.Locator("#done").WaitForAsync();
        await page.ClickAsync("#sign-out");

        Assert.Contains("/account/sign-in", (await SignInAsync(page, email, "a long enough passphrase")).Url, StringComparison.Ordinal);
        Assert.EndsWith("/applications", (await SignInAsync(page, email, NewPassword)).Url, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ChangePassword_WrongCurrentPassword_ShowsTheErrorBesideTheField()
    {
        var page = await shoal.SignedUpPageAsync($"wrong-{Guid.NewGuid():N}@example.com");

        await page.GotoAsync("/account/profile");
        await page.FillAsync("#currentPassword", "not my password");
        await page.FillAsync("#newPassword", NewPassword);
        await page.ClickAsync("#change-password");

        Assert.Contains("current password is wrong", await page.InnerTextAsync("form:has(#change-password)"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ForgotPassword_LinkFromTheMail_SetsANewPassword()
    {
        await using var smtp = SmtpReceiver.Start();
        await shoal.ReplaceEmailServersAsync(smtp);
        var email = $"forgetful-{Guid.NewGuid():N}@example.com";
        var page = await shoal.SignedUpPageAsync(email);
        await page.ClickAsync("#sign-out");

        await page.GotoAsync("/account/sign-in");
        await page.ClickAsync("#forgot-password-link");
        await page.FillAsync("#email", email);
        await page.ClickAsync("#submit");
        await page.Locator("#sent").WaitForAsync();
        var link = AccountMail.LinkIn(await smtp.NextToAsync(email));
        await page.GotoAsync(link);
        await page.FillAsync("#newPassword", NewPassword);
        await page.ClickAsync("#submit");
        await page.Locator("#password-reset").WaitForAsync();

        Assert.EndsWith("/applications", (await SignInAsync(page, email, NewPassword)).Url, StringComparison.Ordinal);
        await page.GotoAsync(link);
        await page.ClickAsync("#sign-out");
        await page.GotoAsync(link);
        await page.FillAsync("#newPassword", "yet another passphrase");
        await page.ClickAsync("#submit");
        Assert.Contains("not valid", await page.InnerTextAsync("main"), StringComparison.Ordinal);
    }

    private static async Task<IPage> SignInAsync(IPage page, string email, string password)
    {
        await page.GotoAsync("/account/sign-in");
        await page.FillAsync("[name=email]", email);
        await page.FillAsync("[name=password]", password);
        await page.ClickAsync("#submit");
        await page.WaitForLoadStateAsync();
        return page;
    }
}
