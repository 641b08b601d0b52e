using System.Net;
using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Shoal.Server.Tests.Infrastructure;
using Shoal.Storage;

namespace Shoal.Server.Tests.Portal;

/// <summary>The Grant list and Accept list tabs, in a real Chromium against a real socket.</summary>
[Collection(BrowserTests.Name)]
public sealed class GrantsTabTests(PortalApplication shoal) : IClassFixture<PortalApplication>
{
    [Fact]
    public async Task GrantView_ToOwnApplication_ShowsInItsAcceptListUntilRevoked()
    {
        var page = await shoal.SignedUpPageAsync("mae@example.com");
        var grantorId = await page.GetAttributeAsync("#applications tr[data-application-id]", "data-application-id");
        await page.GotoAsync("/applications/create");
        await page.FillAsync("[name=name]", "greenhouse-7");
        await page.SelectOptionAsync("[name=industry]", "agriculture");
        await page.CheckAsync("#pushProtocol-http");
        await page.CheckAsync("[name=acceptTerms]");
        await page.ClickAsync("#submit");
        var granteeId = (await page.InnerTextAsync("#app-id")).Trim();

        await page.GotoAsync($"/applications/{grantorId}");
        await page.ClickAsync("#tab-grants");
        await page.SelectOptionAsync("[name=ownApplication]", granteeId);
        Assert.Equal(granteeId, await page.InputValueAsync("[name=granteeApplicationId]"));
        await page.CheckAsync("[name=level][value=View]");
        await page.ClickAsync("#submit-grant");

        var granted = await page.InnerTextAsync($"#grants tr[data-grantee-id='{granteeId}']");
        Assert.Contains("greenhouse-7", granted, StringComparison.Ordinal);
        Assert.Contains("View", granted, StringComparison.Ordinal);
        Assert.Contains("Never", granted, StringComparison.Ordinal);

        await page.GotoAsync($"/applications/{granteeId}");
        await page.ClickAsync("#tab-accepted-grants");
        var accepted = await page.InnerTextAsync($"#accepted-grants tr[data-grantor-id='{grantorId}']");
        Assert.Contains("default", accepted, StringComparison.Ordinal);
        Assert.Contains("View", accepted, StringComparison.Ordinal);

        await page.GotoAsync($"/applications/{grantorId}/grants");
        await page.ClickAsync($"#grants tr[data-grantee-id='{granteeId}'] .revoke");
        await page.ClickAsync($"#grants tr[data-grantee-id='{granteeId}'] .confirm-revoke");
        await page.WaitForURLAsync("**/grants?revoked=*");
        Assert.Equal(0, await page.Locator("#grants tbody tr").CountAsync());
        await using var scope = shoal.Services.CreateAsyncScope();
        Assert.False(await scope.ServiceProvider.GetRequiredService<ShoalDb>().ApplicationGrants.AnyAsync(g => g.GrantorId == grantorId));

        await page.GotoAsync($"/applications/{granteeId}/accepted-grants");
        Assert.Equal(0, await page.Locator("#accepted-grants tbody tr").CountAsync());
    }

    [Fact]
    public async Task AcceptList_AnotherUsersGrant_TheGranteeBrowsesTheGrantedDevicesUntilRevoked()
    {
        var grantor = await shoal.SignUpAsync("grantor");
        var grantorId = (await grantor.Client.CreateApplicationAsync("pumps")).GetProperty("applicationId").GetString()!;
        (await grantor.Client.PostAsJsonAsync($"/api/v1/applications/{grantorId}/devices", new { nodeId = "pump-1", name = "north pump", timeout = 0 })).EnsureSuccessStatusCode();
        var grantee = await shoal.SignUpAsync("grantee");
        var granteeId = (await grantee.Client.CreateApplicationAsync("dashboard")).GetProperty("applicationId").GetString()!;
        var grant = await (await grantor.Client.PostAsJsonAsync($"/api/v1/applications/{grantorId}/grants", new { granteeApplicationId = granteeId, level = "View" }))
            .JsonAsync(HttpStatusCode.Created);
        var page = await shoal.SignedInPageAsync(grantee);

        await page.GotoAsync($"/applications/{granteeId}/accepted-grants");
        await page.ClickAsync($"#accepted-grants tr[data-grantor-id='{grantorId}'] .browse-devices");

        Assert.Contains("north pump", await page.InnerTextAsync("#granted-devices tbody"), StringComparison.Ordinal);
        (await grantor.Client.DeleteAsync($"/api/v1/applications/{grantorId}/grants/{grant.GetProperty("id").GetString()}")).EnsureSuccessStatusCode();
        Assert.Equal((int)HttpStatusCode.NotFound, (await page.ReloadAsync())!.Status);
    }
}
