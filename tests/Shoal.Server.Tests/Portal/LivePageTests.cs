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
/// Watching, operating and connecting a device from the portal: the live panels of the Live tab and the device page, the
/// requests that reach the device, what it sent and why it disconnected, and the connect panel's command lines, in a real
/// Chromium with a real MQTT device.
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
    public async Task DevicePage_SetProperties_ShowsTheDevicesAnswer()
    {
        var (page, applicationId, device) = await DeviceAsync("setter");
        using var mqtt = await shoal.ConnectAsync(device);
        AnswerPropertiesRequests(mqtt, device, "set", """{"result_code":0,"result_desc":"lamp on"}""");
        await page.GotoAsync($"/applications/{applicationId}/devices/{device.Id}");

        await page.FillAsync("#set-service", "Light");
        await page.FillAsync("#set-properties-json", """{"on":true}""");
        await page.ClickAsync("#set-properties");

        Assert.Contains("lamp on", await page.InnerTextAsync("#device-answer"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task DevicePage_GetProperties_ShowsTheDevicesAnswer()
    {
        var (page, applicationId, device) = await DeviceAsync("getter");
        using var mqtt = await shoal.ConnectAsync(device);
        AnswerPropertiesRequests(mqtt, device, "get", """{"services":[{"service_id":"Light","properties":{"lux":321}}]}""");
        await page.GotoAsync($"/applications/{applicationId}/devices/{device.Id}");

        await page.FillAsync("#get-service", "Light");
        await page.ClickAsync("#get-properties");

        Assert.Contains("\"lux\":321", await page.InnerTextAsync("#device-answer"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task DevicePage_GetPropertiesOfAnOfflineDevice_SaysItIsNotConnected()
    {
        var (page, applicationId, device) = await DeviceAsync("absent");
        await page.GotoAsync($"/applications/{applicationId}/devices/{device.Id}");

        await page.ClickAsync("#get-properties");

        Assert.Contains("not connected", await page.InnerTextAsync("#device-requests [id='request.answer-error']"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task DevicePage_SendMessage_ItArrivesAtTheDevice()
    {
        var (page, applicationId, device) = await DeviceAsync("listener");
        using var mqtt = await shoal.ConnectAsync(device);
        var received = new TaskCompletionSource<MqttApplicationMessage>(TaskCreationOptions.RunContinuationsAsynchronously);
        mqtt.ApplicationMessageReceivedAsync += message =>
        {
            received.TrySetResult(message.ApplicationMessage);
            return Task.CompletedTask;
        };
        await page.GotoAsync($"/applications/{applicationId}/devices/{device.Id}");

        await page.FillAsync("#message-body", """{"display":"hello"}""");
        await page.ClickAsync("#send-message");

        await page.WaitForSelectorAsync("#message-sent");
        var message = await received.Task.WaitAsync(TimeSpan.FromMinutes(1), TestContext.Current.CancellationToken);
        Assert.Equal(device.Topic("sys/messages/down"), message.Topic);
        Assert.Equal("""{"display":"hello"}""", message.ConvertPayloadToString());
    }

    [Fact]
    public async Task DevicePage_DeviceSentAMessage_ItIsListedAmongTheRecentMessages()
    {
        var (page, applicationId, device) = await DeviceAsync("talker");
        using var mqtt = await shoal.ConnectAsync(device);
        await mqtt.PublishAsync(new MqttApplicationMessageBuilder().WithTopic(device.Topic("sys/messages/up")).WithPayload("""{"window":"shut"}""")
            .WithQualityOfServiceLevel(MQTTnet.Protocol.MqttQualityOfServiceLevel.AtLeastOnce).Build());

        await page.GotoAsync($"/applications/{applicationId}/devices/{device.Id}");

        var row = page.Locator("#sent tbody tr[data-type=message]");
        Assert.Contains("\"window\":\"shut\"", await row.InnerTextAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task DevicePage_GatewayClosedTheConnectionForABadReport_ShowsWhy()
    {
        var (page, applicationId, device) = await DeviceAsync("faulty");
        using var mqtt = await shoal.ConnectAsync(device, MQTTnet.Formatter.MqttProtocolVersion.V311);
        await Assert.ThrowsAnyAsync<Exception>(() => mqtt.PublishStringAsync(
            device.Topic("sys/properties/report"), "not json", MQTTnet.Protocol.MqttQualityOfServiceLevel.AtLeastOnce));
        await EventuallyAsync(db => db.Devices.AnyAsync(d => d.Id == device.Id && d.LastDisconnectReason != null));

        await page.GotoAsync($"/applications/{applicationId}/devices/{device.Id}");

        Assert.Contains("sys/properties/report was refused: The report is not", await page.InnerTextAsync("#last-disconnect-reason"), StringComparison.Ordinal);
    }

    /// <summary>Answers each properties request of <paramref name="kind"/> (set or get) with <paramref name="answer"/>, as a device does.</summary>
    private static void AnswerPropertiesRequests(IMqttClient mqtt, TestDevice device, string kind, string answer) =>
        mqtt.ApplicationMessageReceivedAsync += async received =>
        {
            var topic = received.ApplicationMessage.Topic;
            if (topic.StartsWith(device.Topic($"sys/properties/{kind}/"), StringComparison.Ordinal))
            {
                await mqtt.PublishStringAsync(device.Topic($"sys/properties/{kind}/response/{topic[(topic.LastIndexOf('/') + 1)..]}"), answer,
                    MQTTnet.Protocol.MqttQualityOfServiceLevel.AtLeastOnce);
            }
        };

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
