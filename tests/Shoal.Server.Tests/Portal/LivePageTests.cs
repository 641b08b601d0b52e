using System.Net;
using System.Net.Http.Json;
using Microsoft.Playwright;
using MQTTnet;
using Shoal.Server.Tests.Gateway;
using Shoal.Server.Tests.Infrastructure;

namespace Shoal.Server.Tests.Portal;

/// <summary>The live panels of the Live tab and the device page, in a real Chromium, for a real MQTT device.</summary>
[Collection(BrowserTests.Name)]
public sealed class LivePageTests(TracingPortalApplication shoal) : IClassFixture<TracingPortalApplication>
{
    [Fact]
    public async Task LiveTab_DeviceReports_TheReportAppearsAtTheTop()
    {
        var (page, applicationId, device) = await DeviceAsync("live-tab");
        await page.GotoAsync($"/applications/{applicationId}");
        await page.ClickAsync("#tab-live");
        await page.WaitForSelectorAsync("#live[data-state=live]");
        using var mqtt = await shoal.ConnectAsync(device);

        await mqtt.ReportAsync(device, """{"services":[{"service_id":"Meter","properties":{"kwh":42}}]}""");

        var report = page.Locator($"#live-events tbody tr[data-type=report][data-device-id='{device.Id}']");
        await report.WaitForAsync();
        Assert.Contains("\"kwh\":42", await report.InnerTextAsync(), StringComparison.Ordinal);
        Assert.Equal("report", await page.GetAttributeAsync("#live-events tbody tr:first-child", "data-type"));
    }

    [Fact]
    public async Task DevicePage_DeviceSendsAMessage_TheLivePanelShowsIt()
    {
        var (page, applicationId, device) = await DeviceAsync("live-device");
        await page.GotoAsync($"/applications/{applicationId}/devices/{device.Id}");
        await page.WaitForSelectorAsync("#live[data-state=live]");
        using var mqtt = await shoal.ConnectAsync(device);

        await mqtt.PublishAsync(new MqttApplicationMessageBuilder().WithTopic(device.Topic("sys/messages/up")).WithPayload("""{"door":"open"}""")
            .WithQualityOfServiceLevel(MQTTnet.Protocol.MqttQualityOfServiceLevel.AtLeastOnce).Build());

        var message = page.Locator("#live-events tbody tr[data-type=message]");
        await message.WaitForAsync();
        Assert.Contains("\"door\":\"open\"", await message.InnerTextAsync(), StringComparison.Ordinal);
    }

    /// <summary>A signed-in owner's page, an application and a device registered through the management API, with its secret.</summary>
    private async Task<(IPage Page, string ApplicationId, TestDevice Device)> DeviceAsync(string name)
    {
        var owner = await shoal.SignUpAsync(name);
        var applicationId = (await owner.Client.CreateApplicationAsync(name)).GetProperty("applicationId").GetString()!;
        var registered = await (await owner.Client.PostAsJsonAsync($"/api/v1/applications/{applicationId}/devices", new { nodeId = name, timeout = 0 }))
            .JsonAsync(HttpStatusCode.Created);
        var device = new TestDevice(registered.GetProperty("device").GetProperty("id").GetString()!, registered.GetProperty("secret").GetString()!);
        var page = await shoal.NewPageAsync();
        await page.GotoAsync("/account/sign-in");
        await page.FillAsync("[name=email]", owner.Email);
        await page.FillAsync("[name=password]", owner.Password);
        await page.ClickAsync("#submit");
        await page.WaitForURLAsync("**/applications");
        return (page, applicationId, device);
    }
}
