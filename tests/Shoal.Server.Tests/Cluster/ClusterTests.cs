using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using MQTTnet;
using Shoal.Server.Tests.Gateway;
using Shoal.Server.Tests.Infrastructure;
using Shoal.Server.Tests.Northbound;
using Shoal.Server.Tests.Rules;
using Shoal.Server.Tests.Subscriptions;
using Shoal.Storage.Entities;

namespace Shoal.Server.Tests.Cluster;

/// <summary>Two Shoal processes on one PostgreSQL database work as one installation.</summary>
[Trait("Category", "Cluster")]
public sealed class ClusterTests(Infrastructure.Cluster cluster, ITestOutputHelper output) : IClassFixture<Infrastructure.Cluster>
{
    /// <summary>Generous: a loaded 2-core machine may be slow; nothing is timed by it.</summary>
    private static readonly TimeSpan Wait = TimeSpan.FromMinutes(2);

    [Fact]
    public async Task NaBehindTheBalancer_LoggedInOnOneNode_IsServedByEvery()
    {
        var (_, na) = await cluster.NewApplicationAsync(cluster.First, cluster.Balancer);

        for (var call = 0; call < 4; call++)
        {
            Assert.Equal(HttpStatusCode.OK, (await na.GetAsync(NaClient.DevicesPath)).StatusCode);
        }
    }

    [Fact]
    public async Task Command_CreatedOnTheSecondNode_ReachesADeviceOnTheFirst()
    {
        var (_, na) = await cluster.NewApplicationAsync(cluster.First, cluster.First.Northbound);
        var device = await TestDevice.RegisterAsync(na, "command-node");
        using var client = await cluster.First.ConnectAsync(device);
        var received = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        client.ApplicationMessageReceivedAsync += message =>
        {
            received.TrySetResult(message.ApplicationMessage.Topic);
            return Task.CompletedTask;
        };
        await client.SubscribeAsync(device.Topic("sys/commands/#"), MQTTnet.Protocol.MqttQualityOfServiceLevel.AtLeastOnce);
        var onSecond = new NaClient(Infrastructure.Cluster.NorthboundClient(cluster.Second.Northbound), na.AppId) { AccessToken = na.AccessToken };

        var command = await (await onSecond.SendAsync(HttpMethod.Post, "/iocm/app/cmd/v1.4.0/deviceCommands", new
        {
            deviceId = device.Id,
            command = new { serviceId = "Switch", method = "SET", paras = new { on = true } },
        })).JsonAsync(HttpStatusCode.Created);

        Assert.Equal(device.Topic($"sys/commands/request_id={command.GetProperty("commandId").GetString()}"), await received.Task.WaitAsync(Wait));
    }

    [Fact]
    public async Task Pushes_OfDevicesOnBothNodes_EachLeavesOnce()
    {
        const int reportsPerDevice = 20;
        await using var receiver = await PushReceiver.StartAsync();
        var (_, na) = await cluster.NewApplicationAsync(cluster.First, cluster.First.Northbound);
        (await na.SubscribeAsync("deviceDataChanged", receiver.Url())).EnsureSuccessStatusCode();
        var devices = new[] { (cluster.First, await TestDevice.RegisterAsync(na, "push-1")), (cluster.Second, await TestDevice.RegisterAsync(na, "push-2")) };

        foreach (var (node, device) in devices)
        {
            using var client = await node.ConnectAsync(device);
            for (var i = 0; i < reportsPerDevice; i++)
            {
                Assert.Equal(MqttClientPublishReasonCode.Success, (await client.ReportAsync(device, $$$"""{"services":[{"service_id":"Meter","properties":{"reading":{{{i}}}}}]}""")).ReasonCode);
            }
        }

        await EventuallyAsync(db => db.PushDeliveries.CountAsync(d => d.ApplicationId == na.AppId && d.State == PushDeliveryState.Delivered),
            delivered => delivered == 2 * reportsPerDevice);
        var attempts = await cluster.Database.QueryAsync(db => db.PushDeliveries.Where(d => d.ApplicationId == na.AppId).Select(d => d.Attempts).ToListAsync());
        Assert.All(attempts, a => Assert.Equal(1, a));
        var received = receiver.Received.Select(p => p.WebhookId).ToList();
        Assert.Equal(2 * reportsPerDevice, received.Count);
        Assert.Equal(received.Count, received.Distinct().Count());
    }

    [Fact]
    public async Task RuleEmails_OfDevicesOnBothNodes_EachSentOnce()
    {
        const int devicesPerNode = 4;
        await using var smtp = SmtpReceiver.Start();
        var server = await (await cluster.Operator.PostAsJsonAsync("/api/v1/operator/email-servers", new
        {
            name = $"receiver {smtp.Port}", host = "127.0.0.1", port = smtp.Port, tlsMode = "None", senderAddress = "alerts@shoal.example",
        })).JsonAsync(HttpStatusCode.Created);
        var (owner, na) = await cluster.NewApplicationAsync(cluster.First, cluster.First.Northbound, ("emailServerId", server.GetProperty("id").GetString()));
        (await owner.PostAsJsonAsync($"/api/v1/applications/{na.AppId}/rules", JsonDocument.Parse("""
            {
              "name": "too warm",
              "conditions": [{"type": "DEVICE_DATA", "deviceInfo": {"path": "Temperature/temperature"}, "operator": ">", "value": 30}],
              "actions": [{"type": "EMAIL", "recipients": ["ops@example.com"], "subject": "{deviceId}", "content": "{value}"}]
            }
            """).RootElement)).EnsureSuccessStatusCode();

        foreach (var node in new[] { cluster.First, cluster.Second })
        {
            for (var i = 0; i < devicesPerNode; i++)
            {
                var device = await TestDevice.RegisterAsync(na, $"rule-{node.Portal.Port}-{i}");
                using var client = await node.ConnectAsync(device);
                Assert.Equal(MqttClientPublishReasonCode.Success, (await client.ReportAsync(device, RuleSetup.Hot)).ReasonCode);
            }
        }

        await EventuallyAsync(db => db.RuleMessages.CountAsync(m => m.ApplicationId == na.AppId && m.State == RuleMessageState.Sent),
            sent => sent == 2 * devicesPerNode);
        var attempts = await cluster.Database.QueryAsync(db => db.RuleMessages.Where(m => m.ApplicationId == na.AppId).Select(m => m.Attempts).ToListAsync());
        Assert.All(attempts, a => Assert.Equal(1, a));
        Assert.Equal(2 * devicesPerNode, smtp.Received);
    }

    [Fact]
    public async Task KilledNode_ItsDevicesAreSetOfflineByAnother()
    {
        var third = await cluster.StartNodeAsync("node-3");
        var (_, na) = await cluster.NewApplicationAsync(cluster.First, cluster.First.Northbound);
        var device = await TestDevice.RegisterAsync(na, "killed-node");
        var client = await third.ConnectAsync(device);
        await EventuallyAsync(db => db.Devices.Where(d => d.Id == device.Id).Select(d => d.ConnectedNode).SingleAsync(), node => node == "node-3");

        await third.KillAsync();
        var killed = Stopwatch.StartNew();

        await EventuallyAsync(db => db.Devices.Where(d => d.Id == device.Id).Select(d => d.Status).SingleAsync(), status => status == DeviceStatus.Offline);
        output.WriteLine($"The killed node's device was set offline {killed.Elapsed.TotalSeconds:F1} s after the kill (lease {Infrastructure.Cluster.NodeLease.TotalSeconds} s).");
        Assert.False(await cluster.Database.QueryAsync(db => db.ClusterNodes.AnyAsync(n => n.Name == "node-3")));
        client.Dispose();
    }

    [Fact]
    public async Task Token_RevokedOnOneNode_IsRefusedOnTheOther()
    {
        var (_, na) = await cluster.NewApplicationAsync(cluster.First, cluster.First.Northbound);
        var onSecond = new NaClient(Infrastructure.Cluster.NorthboundClient(cluster.Second.Northbound), na.AppId) { AccessToken = na.AccessToken };
        Assert.Equal(HttpStatusCode.OK, (await onSecond.GetAsync(NaClient.DevicesPath)).StatusCode);

        (await na.SendAsync(HttpMethod.Post, NaClient.LogoutPath, new { accessToken = na.AccessToken })).EnsureSuccessStatusCode();
        var revoked = Stopwatch.StartNew();

        using var deadline = new CancellationTokenSource(Wait);
        while (!(await (await onSecond.GetAsync(NaClient.DevicesPath)).Content.ReadAsStringAsync()).Contains("1010005", StringComparison.Ordinal))
        {
            await Task.Delay(10, deadline.Token);
        }
        output.WriteLine($"The second node refused the token {revoked.Elapsed.TotalMilliseconds:F0} ms after the logout on the first.");
    }

    [Fact]
    public async Task Throttle_CallsOnOneNode_CountOnTheOther()
    {
        var (_, na) = await cluster.NewApplicationAsync(cluster.First, cluster.First.Northbound);
        var allowedOnFirst = 0;
        while (!await IsThrottledAsync(await na.GetAsync(NaClient.DevicesPath)))
        {
            Assert.InRange(++allowedOnFirst, 1, Infrastructure.Cluster.CallsPerWindow);
        }
        var onSecond = new NaClient(Infrastructure.Cluster.NorthboundClient(cluster.Second.Northbound), na.AppId) { AccessToken = na.AccessToken };

        // Counted alone, the second node would let the whole quota through again; once it has read the first node's
        // count (every 200 ms), it refuses. One call a second leaves it twenty seconds to do so.
        var allowedOnSecond = 0;
        for (var call = 0; call < 20 && !await IsThrottledAsync(await onSecond.GetAsync(NaClient.DevicesPath)); call++)
        {
            allowedOnSecond++;
            await Task.Delay(TimeSpan.FromSeconds(1));
        }

        Assert.InRange(allowedOnSecond, 0, 19);
    }

    private static async Task<bool> IsThrottledAsync(HttpResponseMessage response) =>
        response.StatusCode == HttpStatusCode.Forbidden && (await response.Content.ReadAsStringAsync()).Contains("1010009", StringComparison.Ordinal);

    private async Task EventuallyAsync<T>(Func<Storage.ShoalDb, Task<T>> read, Func<T, bool> done)
    {
        using var deadline = new CancellationTokenSource(Wait);
        while (!done(await cluster.Database.QueryAsync(read)))
        {
            await Task.Delay(100, deadline.Token);
        }
    }
}
