using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using MQTTnet;
using Shoal.Server.Tests.Gateway;
using Shoal.Server.Tests.Infrastructure;
using Shoal.Storage;

namespace Shoal.Server.Tests.Portal;

/// <summary>
/// Watching and connecting a device from the portal: the live panels of the Live tab and the device page, and the
/// connect panel's command lines, in a real Chromium with a real MQTT device.
/// </summary>
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

    [Fact]
    public async Task DevicePage_SendCommand_ItReachesTheDeviceAndItsAnsweredStateAppearsLive()
    {
        var (page, applicationId, device) = await DeviceAsync("commander");
        using var mqtt = await shoal.ConnectAsync(device);
        var received = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        mqtt.ApplicationMessageReceivedAsync += message =>
        {
            received.TrySetResult(message.ApplicationMessage.Topic);
            return Task.CompletedTask;
        };
        await page.GotoAsync($"/applications/{applicationId}/devices/{device.Id}");

        await page.FillAsync("#command-service", "Light");
        await page.FillAsync("#command-method", "SWITCH");
        await page.FillAsync("#command-paras", """{"on":true}""");
        await page.ClickAsync("#send-command");
        await page.WaitForURLAsync("**sent=*");
        await page.WaitForSelectorAsync("#live[data-state=live]");
        var topic = await received.Task.WaitAsync(TimeSpan.FromMinutes(1), TestContext.Current.CancellationToken);
        var commandId = topic[(topic.IndexOf("request_id=", StringComparison.Ordinal) + "request_id=".Length)..];
        await mqtt.PublishAsync(new MqttApplicationMessageBuilder().WithTopic(device.Topic($"sys/commands/response/request_id={commandId}"))
            .WithPayload("""{"result_code":0,"paras":{"on":true}}""").WithQualityOfServiceLevel(MQTTnet.Protocol.MqttQualityOfServiceLevel.AtLeastOnce).Build());

        var answered = page.Locator("#live-events tbody tr[data-type=command]", new() { HasText = "SUCCESSFUL" });
        await answered.WaitForAsync();
        Assert.Contains(commandId, await answered.InnerTextAsync(), StringComparison.Ordinal);
        Assert.Equal("Light · SWITCH", (await page.InnerTextAsync($"#command-history tr[data-command-id='{commandId}'] td:nth-child(2)")).Trim());
    }

    [Fact]
    public async Task DevicePage_CommandWithParametersNotJson_SaysSoBesideTheField()
    {
        var (page, applicationId, device) = await DeviceAsync("careless");
        await page.GotoAsync($"/applications/{applicationId}/devices/{device.Id}");

        await page.FillAsync("#command-service", "Light");
        await page.FillAsync("#command-method", "SWITCH");
        await page.FillAsync("#command-paras", "{on");
        await page.ClickAsync("#send-command");

        Assert.Contains("not valid JSON", await page.InnerTextAsync("#command-form [id='command.paras-error']"), StringComparison.Ordinal);
        Assert.Equal(1, await page.Locator("#no-commands").CountAsync());
    }

    [Fact]
    public async Task ConnectPanel_ShownMosquittoPubLineRunAsIs_TheReportArrives()
    {
        var page = await shoal.SignedUpPageAsync("connect@example.com");
        var applicationId = (await page.GetAttributeAsync("#applications tr[data-application-id]", "data-application-id"))!;
        await page.GotoAsync($"/applications/{applicationId}/devices");
        await page.ClickAsync("#register-device");
        await page.FillAsync("[name=nodeId]", "connect-1");
        await page.FillAsync("[name=timeout]", "0");
        await page.ClickAsync("#submit-device");
        var deviceId = (await page.InnerTextAsync("#credentials-dialog #device-id")).Trim();

        var line = await page.InnerTextAsync("#credentials-dialog #connect-mqtt-pub");
        using var shell = Process.Start(new ProcessStartInfo("bash", ["-c", line]) { RedirectStandardError = true })!;
        await shell.WaitForExitAsync(TestContext.Current.CancellationToken);

        Assert.True(shell.ExitCode == 0, await shell.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken));
        await EventuallyAsync(async db => await db.DeviceServiceStates.AnyAsync(s => s.DeviceId == deviceId && s.ServiceId == "Sensor"));
    }

    private async Task EventuallyAsync(Func<ShoalDb, Task<bool>> condition)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (true)
        {
            await using var scope = shoal.Services.CreateAsyncScope();
            if (await condition(scope.ServiceProvider.GetRequiredService<ShoalDb>()))
            {
                return;
            }
            await Task.Delay(50, deadline.Token);
        }
    }

    /// <summary>A signed-in owner's page, an application and a device registered through the management API, with its secret.</summary>
    private async Task<(IPage Page, string ApplicationId, TestDevice Device)> DeviceAsync(string name)
    {
        var owner = await shoal.SignUpAsync(name);
        var applicationId = (await owner.Client.CreateApplicationAsync(name)).GetProperty("applicationId").GetString()!;
        var registered = await (await owner.Client.PostAsJsonAsync($"/api/v1/applications/{applicationId}/devices", new { nodeId = name, timeout = 0 }))
            .JsonAsync(HttpStatusCode.Created);
        var device = new TestDevice(registered.GetProperty("device").GetProperty("id").GetString()!, registered.GetProperty("secret").GetString()!);
        return (await shoal.SignedInPageAsync(owner), applicationId, device);
    }
}
