using System.Net;
using System.Net.Sockets;

namespace Shoal.Server.Tests.Infrastructure;

public static class FreePorts
{
    /// <summary>A loopback port nobody listens on now, for a server the test starts next.</summary>
    public static int Next()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    /// <summary>A loopback UDP port nobody is bound to now.</summary>
    public static int NextUdp()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }
}
