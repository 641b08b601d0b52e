using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Shoal.Server.Tests.Infrastructure;
using Shoal.Storage;
using Shoal.Storage.Entities;

namespace Shoal.Server.Tests.Portal;

/// <summary>The Devices tab of an application, in a real Chromium against a real socket.</summary>
[Collection(BrowserTests.Name)]
public sealed class DevicesTabTests(PortalApplication shoal) : IClassFixture<PortalApplication>
{
    [Fact]
    public async Task RegisterDevice_ShowsTheSecretOnceSavesItToAFileAndListsTheDevice()
    {
        var page = await shoal.SignedUpPageAsync("lin@example.com");
        var applicationId = await page.GetAttributeAsync("#applications tr[data-application-id]", "data-application-id");
        await page.GotoAsync($"/applications/{applicationId}");
        await page.ClickAsync("#tab-devices");

        await page.ClickAsync("#register-device");
        await page.FillAsync("[name=nodeId]", "IMEI-356938035643809");
        await page.FillAsync("[name=name]", "Boiler sensor");
        await page.FillAsync("[name=timeout]", "0");
        await page.ClickAsync("#submit-device");

        var deviceId = (await page.InnerTextAsync("#device-id")).Trim();
        var secret = (await page.InnerTextAsync("#device-secret")).Trim();
        Assert.Equal(32, secret.Length);
        Assert.Equal(secret, await StoredSecretAsync(applicationId!, deviceId));

        var download = await page.RunAndWaitForDownloadAsync(() => page.ClickAsync("#save-device-secret"));
        var saved = await File.ReadAllTextAsync((await download.PathAsync())!);
        Assert.Contains($"Device ID: {deviceId}", saved, StringComparison.Ordinal);
        Assert.Contains($"Device secret: {secret}", saved, StringComparison.Ordinal);

        await page.ClickAsync("#return-devices");
        await page.WaitForURLAsync($"**/applications/{applicationId}/devices");
        var row = await page.InnerTextAsync($"#devices tr[data-device-id='{deviceId}']");
        Assert.Contains("Boiler sensor", row, StringComparison.Ordinal);
        Assert.Contains("IMEI-356938035643809", row, StringComparison.Ordinal);
        Assert.Contains("Inactive", row, StringComparison.Ordinal);
        Assert.DoesNotContain(secret, await page.ContentAsync(), StringComparison.Ordinal);
    }

    private async Task<string> StoredSecretAsync(string applicationId, string deviceId)
    {
        await using var scope = shoal.Services.CreateAsyncScope();
        var device = await scope.ServiceProvider.GetRequiredService<ShoalDb>().Devices.AsNoTracking()
            .SingleAsync(d => d.Id == deviceId && d.ApplicationId == applicationId);
        return scope.ServiceProvider.GetRequiredService<IDataProtectionProvider>().CreateProtector(Device.SecretProtectionPurpose).Unprotect(device.ProtectedSecret);
    }
}
