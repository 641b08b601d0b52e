using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Shoal.Server.Tests.Infrastructure;
using Shoal.Storage;

namespace Shoal.Server.Tests.Portal;

/// <summary>The create flow as a user meets it, in a real Chromium against a real socket.</summary>
[Collection(BrowserTests.Name)]
public sealed class CreateApplicationFlowTests(PortalApplication shoal) : IClassFixture<PortalApplication>
{
    [Fact]
    public async Task CreateFlow_SignUpCreateSaveSecretReset_OldSecretStopsWorking()
    {
        var page = await shoal.NewPageAsync();

        await page.GotoAsync("/account/sign-up");
        await page.FillAsync("[name=email]", "grace@example.com");
        await page.FillAsync("[name=displayName]", "Grace");
        await page.FillAsync("[name=password]", "a long enough passphrase");
        await page.CheckAsync("[name=acceptTerms]");
        await page.ClickAsync("#submit");
        await page.WaitForURLAsync("**/applications");

        await page.GotoAsync("/applications/create");
        await page.FillAsync("[name=name]", "greenhouse-7");
        await page.SelectOptionAsync("[name=industry]", "agriculture");
        await page.FillAsync("[name=description]", "Sensors in greenhouse 7");
        await page.CheckAsync("#pushProtocol-http");
        await page.CheckAsync("[name=acceptTerms]");
        await page.ClickAsync("#submit");

        var applicationId = (await page.InnerTextAsync("#app-id")).Trim();
        var secret = (await page.InnerTextAsync("#app-secret")).Trim();
        Assert.Equal(24, applicationId.Length);
        Assert.Equal(32, secret.Length);
        Assert.Contains("https://localhost:8743", await page.InnerTextAsync("#app-access-address"), StringComparison.Ordinal);
        Assert.Contains("mqtt://localhost:1883", await page.InnerTextAsync("#device-access-address"), StringComparison.Ordinal);

        var download = await page.RunAndWaitForDownloadAsync(() => page.ClickAsync("#save-secret"));
        var saved = await File.ReadAllTextAsync((await download.PathAsync())!);
        Assert.Contains(applicationId, saved, StringComparison.Ordinal);
        Assert.Contains(secret, saved, StringComparison.Ordinal);
        Assert.True(await SecretMatchesAsync(applicationId, secret));

        await page.ClickAsync("#go-details");
        await page.WaitForURLAsync($"**/applications/{applicationId}");
        Assert.DoesNotContain(secret, await page.ContentAsync(), StringComparison.Ordinal);

        await page.ClickAsync("#reset-secret");
        await page.ClickAsync("#confirm-reset");
        var newSecret = (await page.InnerTextAsync("#app-secret")).Trim();

        Assert.NotEqual(secret, newSecret);
        Assert.False(await SecretMatchesAsync(applicationId, secret));
        Assert.True(await SecretMatchesAsync(applicationId, newSecret));
    }

    [Fact]
    public async Task CreateForm_DuplicateNameNoTermsNoPushProtocol_ShowsEachErrorNextToItsField()
    {
        var page = await shoal.NewPageAsync();
        await page.GotoAsync("/account/sign-up");
        await page.FillAsync("[name=email]", "ada@example.com");
        await page.FillAsync("[name=password]", "a long enough passphrase");
        await page.CheckAsync("[name=acceptTerms]");
        await page.ClickAsync("#submit");
        await page.WaitForURLAsync("**/applications");

        await page.GotoAsync("/applications/create");
        await page.FillAsync("[name=name]", "DEFAULT");
        await page.SelectOptionAsync("[name=industry]", "retail");
        await page.ClickAsync("#submit");

        Assert.Contains("already have an application", await page.InnerTextAsync("#name-error"), StringComparison.Ordinal);
        Assert.Contains("Terms", await page.InnerTextAsync("#acceptTerms-error"), StringComparison.Ordinal);
        Assert.Contains("Choose HTTP or HTTPS", await page.InnerTextAsync("#pushProtocol-error"), StringComparison.Ordinal);
        Assert.Equal(0, await page.Locator("[name=pushProtocol]:checked").CountAsync());
        await using var scope = shoal.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ShoalDb>();
        Assert.Equal(1, await db.Applications.CountAsync(a => db.Users.Any(u => u.Id == a.OwnerId && u.Email == "ada@example.com")));
    }

    private async Task<bool> SecretMatchesAsync(string applicationId, string secret)
    {
        await using var scope = shoal.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ShoalDb>();
        var application = await db.Applications.AsNoTracking().SingleAsync(a => a.Id == applicationId);
        return scope.ServiceProvider.GetRequiredService<Shoal.Server.Applications.Applications>().SecretMatches(application, secret);
    }
}
