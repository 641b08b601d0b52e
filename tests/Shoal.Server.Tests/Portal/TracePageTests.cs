using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using MQTTnet;
using MQTTnet.Formatter;
using Shoal.Server.Tests.Gateway;
using Shoal.Server.Tests.Infrastructure;
using Shoal.Server.Tests.Northbound;
using Shoal.Server.Tests.Subscriptions;

namespace Shoal.Server.Tests.Portal;

/// <summary>The portal in Chromium with the device gateway listening and pushes allowed to loopback receivers.</summary>
public sealed class TracingPortalApplication : PortalApplication
{
    public int MqttPort { get; } = FreePorts.Next();

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseSetting("Gateway:Port", MqttPort.ToString(System.Globalization.CultureInfo.InvariantCulture));
        builder.UseSetting("Shoal:DeviceAccessAddress", $"mqtt://127.0.0.1:{MqttPort.ToString(System.Globalization.CultureInfo.InvariantCulture)}");
        builder.UseSetting("Delivery:AllowedNetworks:0", "127.0.0.0/8");
    }

    /// <summary>Connects <paramref name="device"/> over MQTT as its SDK would.</summary>
    public async Task<IMqttClient> ConnectAsync(TestDevice device, MqttProtocolVersion protocol = MqttProtocolVersion.V500)
    {
        var timestamp = TestDevice.Timestamp(Time.GetUtcNow());
        var client = new MqttClientFactory().CreateMqttClient();
        var result = await client.ConnectAsync(new MqttClientOptionsBuilder()
            .WithTcpServer("127.0.0.1", MqttPort)
            .WithProtocolVersion(protocol)
            .WithClientId(device.ClientId(1, timestamp))
            .WithCredentials(device.Id, TestDevice.Password(timestamp, device.Secret))
            .Build());
        Assert.Equal(MqttClientConnectResultCode.Success, result.ResultCode);
        return client;
    }
}

/// <summary>The operator's trace page, in a real Chromium, for a real MQTT device whose pushes a real receiver refuses.</summary>
[Collection(BrowserTests.Name)]
public sealed class TracePageTests(TracingPortalApplication shoal) : IClassFixture<TracingPortalApplication>
{
    [Fact]
    public async Task TracePage_DeviceWhosePushesFail_ShowsTheFailingPushLiveAndThenThatAccessIsGone()
    {
        await using var receiver = await PushReceiver.StartAsync();
        receiver.Answer = _ => StatusCodes.Status503ServiceUnavailable;
        var owner = await shoal.SignUpAsync("owner");
        var created = await owner.Client.CreateApplicationAsync("traced", ("tracing", "Always"));
        var applicationId = created.GetProperty("applicationId").GetString()!;
        using var northbound = NorthboundClient();
        var na = new NaClient(northbound, applicationId);
        await na.LoginAsync(created.GetProperty("secret").GetString()!);
        (await na.SubscribeAsync("deviceDataChanged", receiver.Url())).EnsureSuccessStatusCode();
        var device = await TestDevice.RegisterAsync(na, "boiler");
        var page = await shoal.SignedInPageAsync(shoal.OperatorAccount);

        await page.GotoAsync("/operations/traces");
        await page.SelectOptionAsync("#applicationId", applicationId);
        await page.CheckAsync($"#devices input[value='{device.Id}']");
        await page.ClickAsync("#start");
        await page.WaitForURLAsync("**/operations/traces/*");
        using var mqtt = await shoal.ConnectAsync(device);
        await mqtt.ReportAsync(device, """{"services":[{"service_id":"Boiler","properties":{"temperature":71}}]}""");

        var push = page.Locator("#flows .step-failed[data-step='push']").First;
        await push.WaitForAsync();
        Assert.Contains("The callback answered 503", await push.Locator(".step-reason").InnerTextAsync(), StringComparison.Ordinal);
        Assert.Contains("Check the NA server", await push.Locator(".step-hint").InnerTextAsync(), StringComparison.Ordinal);

        (await owner.Client.PutAsJsonAsync($"{ApplicationApi.Route}/{applicationId}", new { industry = "agriculture", tracing = "Off" })).EnsureSuccessStatusCode();

        var gone = page.Locator("#access-gone");
        await gone.WaitForAsync();
        Assert.Contains("withdrawn its message tracing authorization", await gone.InnerTextAsync(), StringComparison.Ordinal);
        Assert.Equal((int)HttpStatusCode.Forbidden, (await page.ReloadAsync())!.Status);
    }

    [Fact]
    public async Task TracesTab_TraceStartedByTheOperator_ShowsWhoWhichDevicesByNameAndState()
    {
        var owner = await shoal.SignUpAsync("watched");
        var applicationId = (await owner.Client.CreateApplicationAsync("watched", ("tracing", "Always"))).GetProperty("applicationId").GetString()!;
        var deviceId = await owner.Client.RegisterDeviceAsync(applicationId);
        (await shoal.Operator.PostAsJsonAsync("/api/v1/operator/traces", new { applicationId, deviceIds = new[] { deviceId } })).EnsureSuccessStatusCode();
        var page = await shoal.SignedInPageAsync(owner);

        await page.GotoAsync($"/applications/{applicationId}");
        await page.ClickAsync("#tab-traces");

        var row = await page.InnerTextAsync("#traces tbody tr");
        Assert.Contains(shoal.OperatorAccount.Email, row, StringComparison.Ordinal);
        Assert.Contains("meter-1", row, StringComparison.Ordinal);
        Assert.Contains("Running", row, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OperationsUsers_RaiseQuota_SaysSoAndShowsTheNewQuota()
    {
        var user = await shoal.SignUpAsync("quota");
        var page = await shoal.SignedInPageAsync(shoal.OperatorAccount);
        await page.GotoAsync($"/operations/users?search={Uri.EscapeDataString(user.Email)}");

        await page.FillAsync($"tr[data-user-id='{user.Id}'] input[name=quota]", "25");
        await page.ClickAsync($"tr[data-user-id='{user.Id}'] form:has(input[name=quota]) button");

        await page.WaitForSelectorAsync("#done");
        Assert.Contains("1 of 25", await page.InnerTextAsync($"tr[data-user-id='{user.Id}']"), StringComparison.Ordinal);
    }

    /// <summary>An NA's client of the application access address, which serves Shoal's self-signed certificate.</summary>
    private HttpClient NorthboundClient() =>
        new(new HttpClientHandler { ServerCertificateCustomValidationCallback = (_, _, _, _) => true }) { BaseAddress = shoal.Northbound };
}
