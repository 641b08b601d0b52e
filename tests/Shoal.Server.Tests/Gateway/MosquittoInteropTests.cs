using System.Diagnostics;
using Microsoft.EntityFrameworkCore;
using Shoal.Server.Tests.Infrastructure;

namespace Shoal.Server.Tests.Gateway;

/// <summary>A client that is not MQTTnet: Debian's <c>mosquitto_pub</c> (package mosquitto-clients) as a device.</summary>
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
}
