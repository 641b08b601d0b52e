using System.Net.Sockets;
using System.Text;

namespace Shoal.Server.Tests.Gateway;

/// <summary>MQTT written byte by byte, for what no well-behaved client would send.</summary>
public static class RawMqtt
{
    private static readonly TimeSpan CloseWait = TimeSpan.FromSeconds(30);

    /// <summary>Reads until the broker closes the socket and returns the bytes it got meanwhile; fails rather than hangs.</summary>
    public static async Task<int> ReadUntilClosedAsync(Socket socket)
    {
        ArgumentNullException.ThrowIfNull(socket);
        using var deadline = new CancellationTokenSource(CloseWait);
        var buffer = new byte[1024];
        var total = 0;
        try
        {
            int read;
            while ((read = await socket.ReceiveAsync(buffer, deadline.Token)) > 0)
            {
                total += read;
            }
        }
        catch (SocketException error) when (error.SocketErrorCode == SocketError.ConnectionReset)
        {
        }
        return total;
    }

    /// <summary>An MQTT 3.1.1 CONNECT with user name and password, with the keep-alive the test promises.</summary>
    public static byte[] Connect(string clientId, string userName, string password, ushort keepAliveSeconds) =>
        Packet(0x10, [.. Text("MQTT"), 4, 0b1100_0010, (byte)(keepAliveSeconds >> 8), (byte)keepAliveSeconds, .. Text(clientId), .. Text(userName), .. Text(password)]);

    /// <summary>A length-prefixed UTF-8 string.</summary>
    public static byte[] Text(string value)
    {
        var bytes = Encoding.UTF8.GetBytes(value);
        return [(byte)(bytes.Length >> 8), (byte)bytes.Length, .. bytes];
    }

    /// <summary>A packet: the fixed header byte, the remaining length, the body.</summary>
    public static byte[] Packet(byte header, byte[] body)
    {
        ArgumentNullException.ThrowIfNull(body);
        var packet = new List<byte> { header };
        var length = body.Length;
        do
        {
            var digit = (byte)(length % 128);
            length /= 128;
            packet.Add(length > 0 ? (byte)(digit | 0x80) : digit);
        }
        while (length > 0);
        packet.AddRange(body);
        return [.. packet];
    }
}
