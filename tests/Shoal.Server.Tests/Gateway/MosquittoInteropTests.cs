using System.Diagnostics;
using System.Net;
using Microsoft.EntityFrameworkCore;
using Shoal.Server.Tests.Commands;
using Shoal.Server.Tests.Infrastructure;

namespace Shoal.Server.Tests.Gateway;

/// <summary>Clients that are not MQTTnet: Debian's <c>mosquitto_pub</c> and <c>mosquitto_sub</c> (package mosquitto-clients) as a device.</summary>
public sealed class MosquittoInteropTests(GatewayApplication<SqliteDatabase> shoal) : IClassFixture<GatewayApplication<SqliteDatabase>>
{
    [Fact]
    public async Task MosquittoPub_QoS1Report_IsInHistoryWhenItExits()
    {
        var (_, device) = await shoal.NewDeviceAsync();

        await RunAsync(Start("mosquitto_pub", device,
            "-q", "1", "-t", device.Topic("sys/properties/report"), "-m", """{"services":[{"service_id":"Temperature","properties":{"value":19.5}}]}"""));

        var point = await shoal.QueryAsync(db => db.DeviceDataPoints.AsNoTracking().SingleAsync(p => p.DeviceId == device.Id));
        Assert.Equal("""{"value":19.5}""", point.Data);
    }

    [Fact]
    public async Task MosquittoPubOnMqtt311_ReportWithARequestIdAndAnIsoTime_IsInHistoryAtThatTime()
    {
        var (_, device) = await shoal.NewDeviceAsync();

        await RunAsync(Start("mosquitto_pub", device, "-V", "mqttv311",
            "-q", "1", "-t", device.Topic("sys/properties/report?request_id=42"),
            "-m", """{"services":[{"service_id":"Temperature","properties":{"value":19.5},"event_time":"2026-12-05T01:26:31Z"}]}"""));

        var point = await shoal.QueryAsync(db => db.DeviceDataPoints.AsNoTracking().SingleAsync(p => p.DeviceId == device.Id));
        Assert.Equal(new DateTimeOffset(2026, 12, 5, 1, 26, 31, TimeSpan.Zero), point.EventTime);
    }

    [Fact]
    public async Task MosquittoSub_SubscribedToItsCommands_ReceivesTheNasCommand()
    {
        var (app, device) = await shoal.NewDeviceAsync();
        var command = await (await app.Na.SendAsync(HttpMethod.Post, DeviceCommandTests<SqliteDatabase>.CommandsPath,
            new { deviceId = device.Id, command = new { serviceId = "Switch", method = "SET", paras = new { on = true } } })).JsonAsync(HttpStatusCode.Created);
        var commandId = command.GetProperty("commandId").GetString();

        using var process = Start("mosquitto_sub", device, "-q", "1", "-t", device.Topic("sys/commands/#"), "-C", "1", "-v");
        var output = await process.StandardOutput.ReadToEndAsync().WaitAsync(TimeSpan.FromSeconds(30));
        await RunAsync(process);

        Assert.Equal(
            $$$"""{{{device.Topic($"sys/commands/request_id={commandId}")}}} {"object_device_id":"{{{device.Id}}}","service_id":"Switch","command_name":"SET","paras":{"on":true}}""",
            output.TrimEnd());
    }

    /// <summary>Starts a mosquitto client connected as <paramref name="device"/>, with sign type 1, and <paramref name="arguments"/>.</summary>
    private Process Start(string client, TestDevice device, params string[] arguments)
    {
        var timestamp = TestDevice.Timestamp(shoal.Time.GetUtcNow());
        var start = new ProcessStartInfo(client)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in (string[])[
            "-h", "127.0.0.1", "-p", shoal.MqttPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "-i", device.ClientId(1, timestamp), "-u", device.Id, "-P", TestDevice.Password(timestamp, device.Secret), .. arguments])
        {
            start.ArgumentList.Add(argument);
        }
        return Process.Start(start)!;
    }

    private static async Task RunAsync(Process process)
    {
        using (process)
        {
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
            Assert.True(process.ExitCode == 0, await process.StandardError.ReadToEndAsync());
        }
    }
}
