using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace Shoal.Server.Tests.Infrastructure;

/// <summary>Shoal on real sockets with both endpoints from configuration, as a default install runs it.</summary>
public class SocketApplication<TDatabase> : ShoalApplication<TDatabase>
    where TDatabase : ITestDatabase, new()
{
    public Uri Portal { get; private set; } = null!;
    public Uri Northbound { get; private set; } = null!;

    protected override void Start()
    {
        UseKestrel();
        StartServer();
        var addresses = Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses;
        Portal = new Uri(addresses.Single(a => a.StartsWith("http://", StringComparison.Ordinal)));
        Northbound = new Uri(addresses.Single(a => a.StartsWith("https://", StringComparison.Ordinal)));
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseSetting("Kestrel:Endpoints:Portal:Url", "http://127.0.0.1:0");
        builder.UseSetting("Kestrel:Endpoints:Northbound:Url", "https://127.0.0.1:0");
    }
}
