using System.Globalization;
using Microsoft.AspNetCore.Hosting;
using Shoal.Server.Tests.Infrastructure;

namespace Shoal.Cli.Tests;

/// <summary>Shoal on real sockets (management and northbound APIs, and the MQTT gateway) on SQLite, for the CLI to talk to.</summary>
public sealed class CliServer : SocketApplication<SqliteDatabase>
{
    public int MqttPort { get; } = FreePorts.Next();

    public string Mqtt => $"mqtt://127.0.0.1:{MqttPort}";

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseSetting("Gateway:Port", MqttPort.ToString(CultureInfo.InvariantCulture));
        // The subscription tests receive pushes on loopback.
        builder.UseSetting("Delivery:AllowedNetworks:0", "127.0.0.0/8");
    }
}
