using System.Text.Json;
using Microsoft.Playwright;
using Shoal.Server.Tests.Infrastructure;

namespace Shoal.Server.Tests.Portal;

/// <summary>A device's page: its latest values and charts of its history, in a real Chromium against a real socket.</summary>
[Collection(BrowserTests.Name)]
public sealed class DevicePageTests(PortalApplication shoal) : IClassFixture<PortalApplication>
{
    /// <summary>The fake clock's time in whole seconds, as the charts' time axis holds it.</summary>
    private DateTimeOffset Now => DateTimeOffset.FromUnixTimeSeconds(shoal.Time.GetUtcNow().ToUnixTimeSeconds());

    /// <summary>A signed-in page, the ID of its user's default application and a device registered there through the Devices tab.</summary>
    private async Task<(IPage Page, string ApplicationId, string DeviceId)> DeviceAsync(string email)
    {
        var page = await shoal.SignedUpPageAsync(email);
        var applicationId = (await page.GetAttributeAsync("#applications tr[data-application-id]", "data-application-id"))!;
        await page.GotoAsync($"/applications/{applicationId}/devices");
        await page.ClickAsync("#register-device");
        await page.FillAsync("[name=nodeId]", "meter-1");
        await page.FillAsync("[name=timeout]", "0");
        await page.ClickAsync("#submit-device");
        return (page, applicationId, (await page.InnerTextAsync("#device-id")).Trim());
    }

    private static async Task<double[][]> ChartDataAsync(IPage page, string key)
    {
        await page.WaitForFunctionAsync($"() => window.shoalCharts?.[{JsonSerializer.Serialize(key)}]");
        return await page.EvaluateAsync<double[][]>($"() => window.shoalCharts[{JsonSerializer.Serialize(key)}].data.map((column) => [...column])");
    }

    [Fact]
    public async Task DevicePage_ReportedDevice_ShowsTheLatestValueOfEachProperty()
    {
        var (page, applicationId, deviceId) = await DeviceAsync("ines@example.com");
        await shoal.Services.StoreReportAsync(applicationId, deviceId, "Meter", Now.AddMinutes(-20), """{"reading":1.5,"state":"idle"}""");
        await shoal.Services.StoreReportAsync(applicationId, deviceId, "Meter", Now.AddMinutes(-10), """{"reading":2.5,"state":"pumping"}""");

        await page.GotoAsync($"/applications/{applicationId}/devices/{deviceId}");

        Assert.Equal("2.5", await page.InnerTextAsync("#latest-values tr[data-property=reading] [data-value]"));
        Assert.Equal("pumping", await page.InnerTextAsync("#latest-values tr[data-property=state] [data-value]"));
    }

    [Fact]
    public async Task DevicePage_ReportsInTheLastDay_ChartEachNumericPropertyWithEveryPoint()
    {
        var (page, applicationId, deviceId) = await DeviceAsync("jon@example.com");
        var times = new[] { Now.AddHours(-5), Now.AddHours(-3), Now.AddMinutes(-1) };
        for (var i = 0; i < times.Length; i++)
        {
            await shoal.Services.StoreReportAsync(applicationId, deviceId, "Meter", times[i], $$"""{"reading":{{i * 10}},"state":"on"}""");
        }

        await page.GotoAsync($"/applications/{applicationId}/devices/{deviceId}");
        var data = await ChartDataAsync(page, "Meter/reading");

        Assert.Equal([.. times.Select(t => (double)t.ToUnixTimeSeconds())], data[0]);
        Assert.Equal([0, 10, 20], data[1]);
        Assert.Equal(["Meter/reading"], await page.EvaluateAsync<string[]>("() => Object.keys(window.shoalCharts)"));
    }

    [Fact]
    public async Task DevicePage_MoreReportsThanTheChartIsWide_ChartsEachIntervalsMeanMinAndMax()
    {
        var (page, applicationId, deviceId) = await DeviceAsync("ivo@example.com");
        for (var i = 0; i < 1000; i++)
        {
            await shoal.Services.StoreReportAsync(applicationId, deviceId, "Meter", Now.AddMinutes(i - 1000), $$"""{"reading":{{i}}}""");
        }

        await page.GotoAsync($"/applications/{applicationId}/devices/{deviceId}");
        var data = await ChartDataAsync(page, "Meter/reading");

        Assert.InRange(data[0].Length, 10, 999);
        Assert.Equal((0, 999), (data[2].Min(), data[3].Max()));
        Assert.All(data[1].Zip(data[2], data[3]), bucket => Assert.InRange(bucket.First, bucket.Second, bucket.Third));
        Assert.True(await page.IsVisibleAsync("#history-aggregated"));
    }

    [Fact]
    public async Task DevicePage_NoReportInTheChosenRange_SaysSoAndDrawsNoChart()
    {
        var (page, applicationId, deviceId) = await DeviceAsync("kai@example.com");
        await shoal.Services.StoreReportAsync(applicationId, deviceId, "Meter", Now.AddHours(-2), """{"reading":7}""");

        await page.GotoAsync($"/applications/{applicationId}/devices/{deviceId}");
        await page.CheckAsync("#range-hour");
        await page.ClickAsync("#show-history");

        Assert.Equal("No data in this range.", (await page.InnerTextAsync("#history-empty")).Trim());
        Assert.Equal(0, await page.Locator("figure[data-chart]").CountAsync());
    }

    [Fact]
    public async Task DevicePage_CustomRange_ChartsOnlyTheReportsInIt()
    {
        var (page, applicationId, deviceId) = await DeviceAsync("lea@example.com");
        var inside = Now.AddDays(-3);
        await shoal.Services.StoreReportAsync(applicationId, deviceId, "Meter", Now.AddDays(-5), """{"reading":1}""");
        await shoal.Services.StoreReportAsync(applicationId, deviceId, "Meter", inside, """{"reading":2}""");
        await shoal.Services.StoreReportAsync(applicationId, deviceId, "Meter", Now.AddDays(-1), """{"reading":3}""");

        await page.GotoAsync($"/applications/{applicationId}/devices/{deviceId}");
        await page.CheckAsync("#range-custom");
        await page.FillAsync("#from", LocalInput(inside.AddHours(-1)));
        await page.FillAsync("#to", LocalInput(inside.AddHours(1)));
        await page.ClickAsync("#show-history");
        var data = await ChartDataAsync(page, "Meter/reading");

        Assert.Equal([2], data[1]);
    }

    [Fact]
    public async Task DevicePage_CustomRangeEndingBeforeItStarts_NamesTheEndAndDrawsNoChart()
    {
        var (page, applicationId, deviceId) = await DeviceAsync("max@example.com");
        await shoal.Services.StoreReportAsync(applicationId, deviceId, "Meter", Now.AddHours(-1), """{"reading":1}""");

        await page.GotoAsync($"/applications/{applicationId}/devices/{deviceId}");
        await page.CheckAsync("#range-custom");
        await page.FillAsync("#from", LocalInput(Now.AddHours(-1)));
        await page.FillAsync("#to", LocalInput(Now.AddHours(-2)));
        await page.ClickAsync("#show-history");

        Assert.Contains("must be after its start", await page.InnerTextAsync("#custom-range"), StringComparison.Ordinal);
        Assert.Equal(0, await page.Locator("figure[data-chart]").CountAsync());
    }

    private static string LocalInput(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm", System.Globalization.CultureInfo.InvariantCulture);
}
