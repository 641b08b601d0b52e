using System.Globalization;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
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

    [Fact]
    public async Task RegisterDevice_ManufacturerTooLong_ShowsTheMessageNextToIt()
    {
        var page = await shoal.SignedUpPageAsync("mia@example.com");
        var applicationId = await page.GetAttributeAsync("#applications tr[data-application-id]", "data-application-id");
        await page.GotoAsync($"/applications/{applicationId}/devices");

        await page.ClickAsync("#register-device");
        await page.FillAsync("[name=nodeId]", "meter-1");
        await page.FillAsync("[name=manufacturer]", new string('m', 257));
        await page.ClickAsync("#submit-device");

        var field = page.Locator(".field", new() { Has = page.Locator("#manufacturer") });
        Assert.Contains("at most 256 characters", await field.InnerTextAsync(), StringComparison.Ordinal);
        Assert.Equal(0, await page.Locator("#devices tbody tr").CountAsync());
    }

    [Fact]
    public async Task RegisterDevice_TimeoutLeftAsOffered_NeverExpires()
    {
        var page = await shoal.SignedUpPageAsync("ria@example.com");
        var applicationId = await page.GetAttributeAsync("#applications tr[data-application-id]", "data-application-id");
        await page.GotoAsync($"/applications/{applicationId}/devices");

        await page.ClickAsync("#register-device");
        await page.FillAsync("[name=nodeId]", "meter-1");
        await page.ClickAsync("#submit-device");
        var deviceId = (await page.InnerTextAsync("#device-id")).Trim();

        await using var scope = shoal.Services.CreateAsyncScope();
        var device = await scope.ServiceProvider.GetRequiredService<ShoalDb>().Devices.AsNoTracking().SingleAsync(d => d.Id == deviceId);
        Assert.Equal((0, (DateTimeOffset?)null), (device.Timeout, device.RegistrationExpiresAt));
    }

    [Fact]
    public async Task DevicesTab_UnactivatedDeviceWithTimeout_ShowsWhenItsRegistrationExpires()
    {
        var page = await shoal.SignedUpPageAsync("sam@example.com");
        var applicationId = await page.GetAttributeAsync("#applications tr[data-application-id]", "data-application-id");
        await page.GotoAsync($"/applications/{applicationId}/devices");
        await page.ClickAsync("#register-device");
        await page.FillAsync("[name=nodeId]", "meter-1");
        await page.FillAsync("[name=timeout]", "3600");
        await page.ClickAsync("#submit-device");
        var deviceId = (await page.InnerTextAsync("#device-id")).Trim();

        await page.GotoAsync($"/applications/{applicationId}/devices");

        var expires = shoal.Time.GetUtcNow().AddHours(1);
        Assert.Equal("Expires " + expires.UtcDateTime.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture), (await page.InnerTextAsync($"#devices tr[data-device-id='{deviceId}'] [data-expires]")).Trim());
    }

    [Fact]
    public async Task ImportDevices_GoodAndBadRows_RegistersTheGoodAndOffersEveryRowsResult()
    {
        var page = await shoal.SignedUpPageAsync("noa@example.com");
        var applicationId = await page.GetAttributeAsync("#applications tr[data-application-id]", "data-application-id");
        await page.GotoAsync($"/applications/{applicationId}/devices");

        await page.ClickAsync("#import-devices");
        await page.SetInputFilesAsync("#file", new FilePayload
        {
            Name = "devices.csv",
            MimeType = "text/csv",
            Buffer = System.Text.Encoding.UTF8.GetBytes("nodeId,name,timeout\nmeter-1,Boiler,0\nmeter-2,Roof,soon\nmeter-1,Again,0\n"),
        });
        await page.ClickAsync("#start-import");

        Assert.Equal("1 device(s) registered, 2 row(s) refused.", (await page.InnerTextAsync("#import-result:visible")).Trim());
        var download = await page.RunAndWaitForDownloadAsync(() => page.ClickAsync("#download-results"));
        var lines = (await File.ReadAllLinesAsync((await download.PathAsync())!)).Select(l => l.Split(',')).ToList();
        Assert.Equal(["line", "nodeId", "deviceId", "secret", "error"], lines[0]);
        var deviceId = lines[1][2];
        Assert.Equal(lines[1][3], await StoredSecretAsync(applicationId!, deviceId));
        Assert.Equal(("3", "", ""), (lines[2][0], lines[2][2], lines[2][3]));
        Assert.Contains("timeout", lines[2][4], StringComparison.Ordinal);
        Assert.Contains("line 2", lines[3][4], StringComparison.Ordinal);

        await page.GotoAsync($"/applications/{applicationId}/devices");
        Assert.Equal(1, await page.Locator("#devices tbody tr").CountAsync());
        Assert.Contains("Boiler", await page.InnerTextAsync($"#devices tr[data-device-id='{deviceId}']"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ImportDevices_FileWithoutNodeIdColumn_SaysSoAndRegistersNothing()
    {
        var page = await shoal.SignedUpPageAsync("ola@example.com");
        var applicationId = await page.GetAttributeAsync("#applications tr[data-application-id]", "data-application-id");
        await page.GotoAsync($"/applications/{applicationId}/devices/import");

        await page.SetInputFilesAsync("#file", new FilePayload { Name = "devices.csv", MimeType = "text/csv", Buffer = "name\nBoiler\n"u8.ToArray() });
        await page.ClickAsync("#start-import");

        Assert.Contains("nodeId", await page.InnerTextAsync("#import-error:visible"), StringComparison.Ordinal);
        await page.GotoAsync($"/applications/{applicationId}/devices");
        Assert.Equal(0, await page.Locator("#devices tbody tr").CountAsync());
    }

    [Fact]
    public async Task DevicesTab_SearchAndSort_KeptWhenFilteringByStatus()
    {
        var page = await shoal.SignedUpPageAsync("pia@example.com");
        var applicationId = await page.GetAttributeAsync("#applications tr[data-application-id]", "data-application-id");
        foreach (var nodeId in new[] { "meter-b", "pump-1", "meter-a" })
        {
            await page.GotoAsync($"/applications/{applicationId}/devices");
            await page.ClickAsync("#register-device");
            await page.FillAsync("[name=nodeId]", nodeId);
            await page.ClickAsync("#submit-device");
            await page.WaitForSelectorAsync("#device-id");
        }
        await page.GotoAsync($"/applications/{applicationId}/devices");

        await page.FillAsync("#search", "METER");
        await page.ClickAsync("#search-submit");
        await page.ClickAsync("#sort-nodeId");
        await page.ClickAsync("#status-inactive");

        Assert.Equal(["meter-a", "meter-b"], await page.Locator("#devices tbody tr td:nth-child(2)").AllInnerTextsAsync());
        Assert.Equal("METER", await page.InputValueAsync("#search"));
    }

    private async Task<string> StoredSecretAsync(string applicationId, string deviceId)
    {
        await using var scope = shoal.Services.CreateAsyncScope();
        var device = await scope.ServiceProvider.GetRequiredService<ShoalDb>().Devices.AsNoTracking()
            .SingleAsync(d => d.Id == deviceId && d.ApplicationId == applicationId);
        return scope.ServiceProvider.GetRequiredService<IDataProtectionProvider>().CreateProtector(Device.SecretProtectionPurpose).Unprotect(device.ProtectedSecret);
    }
}
