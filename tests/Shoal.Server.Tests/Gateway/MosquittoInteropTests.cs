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
        var timestamp = TestDevice.Timestamp(shoal.Time.GetUtcNow());
        var start = new ProcessStartInfo("mosquitto_pub")
        {
            ArgumentList =
            {
                "-h", "127.0.0.1", "-p", shoal.MqttPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
                "-i", device.ClientId(1, timestamp), "-u", device.Id, "-P", TestDevice.Password(timestamp, device.Secret),
                "-q", "1", "-t", device.Topic("sys/properties/report"),
                "-m", """{"services":[{"service_id":"Temperature","properties":{"value":19.5}}]}""",
            },
            RedirectStandardError = true,
        };

        using var process = Process.Start(start)!;
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));

        Assert.True(process.ExitCode == 0, await process.StandardError.ReadToEndAsync());
        var point = await shoal.QueryAsync(db => db.DeviceDataPoints.AsNoTracking().SingleAsync(p => p.DeviceId == device.Id));
        Assert.Equal("""{"value":19.5}""", point.Data);
    }

    [Fact]
    public async Task MosquittoSub_SubscribedToItsCommands_ReceivesTheNasCommand()
    {
        var (app, device) = await shoal.NewDeviceAsync();
        var command = await (await app.Na.SendAsync(HttpMethod.Post, DeviceCommandTests<SqliteDatabase>.CommandsPath,
            new { deviceId = device.Id, command = new { serviceId = "Switch", method = "SET", paras = new { on = true } } })).JsonAsync(HttpStatusCode.Created);
        var commandId = command.GetProperty("commandId").GetString();
        var timestamp = TestDevice.Timestamp(shoal.Time.GetUtcNow());
        var start = new ProcessStartInfo("mosquitto_sub")
        {
            ArgumentList =
            {
                "-h", "127.0.0.1", "-p", shoal.MqttPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
                "-i", device.ClientId(1, timestamp), "-u", device.Id, "-P", TestDevice.Password(timestamp, device.Secret),
                "-q", "1", "-t", device.Topic("sys/commands/#"), "-C", "1", "-v",
            },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };

        using var process = Process.Start(start)!;
        var output = await process.StandardOutput.ReadToEndAsync().WaitAsync(TimeSpan.FromSeconds(30));
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));

        Assert.True(process.ExitCode == 0, await process.StandardError.ReadToEndAsync());
        Assert.Equal(
            $$$"""{{{device.Topic($"sys/commands/request_id={commandId}")}}} {"object_device_id":"{{{device.Id}}}","service_id":"Switch","command_name":"SET","paras":{"on":true}}""",
            output.TrimEnd());
    }
}
