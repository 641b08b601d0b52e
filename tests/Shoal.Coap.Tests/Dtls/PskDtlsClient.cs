using System.Net;
using System.Net.Sockets;
using System.Text;
using Org.BouncyCastle.Security;
using Org.BouncyCastle.Tls;
using Org.BouncyCastle.Tls.Crypto.Impl.BC;

namespace Shoal.Coap.Tests.Dtls;

/// <summary>A BouncyCastle DTLS 1.2 PSK client on its own UDP socket, offering exactly one cipher suite.</summary>
internal sealed class PskDtlsClient : IDisposable
{
    private readonly Socket socket = new(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
    private DtlsTransport? dtls;

    public PskDtlsClient(IPEndPoint server, int localPort = 0)
    {
        socket.Bind(new IPEndPoint(IPAddress.Loopback, localPort));
        socket.Connect(server);
    }

    public IPEndPoint LocalEndPoint => (IPEndPoint)socket.LocalEndPoint!;

    /// <summary>
    /// Handshakes on a worker thread; throws what BouncyCastle throws when the server refuses. With
    /// <c>sendsBeforeStalling</c> the client goes silent after that many datagrams, leaving the server waiting;
    /// <c>timeoutMillis</c> is how long the client itself waits for the handshake.
    /// </summary>
    public Task ConnectAsync(
        string identity, string key, int cipherSuite, int sendsBeforeStalling = int.MaxValue, int timeoutMillis = 60_000) => Task.Run(() =>
    {
        var client = new SingleSuiteClient(
            new BcTlsCrypto(new SecureRandom()), Encoding.UTF8.GetBytes(identity), Encoding.UTF8.GetBytes(key), cipherSuite, timeoutMillis);
        dtls = new DtlsClientProtocol().Connect(client, new SocketTransport(socket, sendsBeforeStalling));
    });

    public void Send(string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        dtls!.Send(bytes, 0, bytes.Length);
    }

    /// <summary>The next application datagram, waiting at most a minute.</summary>
    public Task<string> ReceiveAsync() => Task.Run(() =>
    {
        var buffer = new byte[2048];
        var length = dtls!.Receive(buffer, 0, buffer.Length, 60_000);
        return length < 0 ? "" : Encoding.UTF8.GetString(buffer, 0, length);
    });

    public void Dispose()
    {
        socket.Dispose();
    }

    private sealed class SingleSuiteClient(BcTlsCrypto crypto, byte[] identity, byte[] key, int cipherSuite, int timeoutMillis)
        : PskTlsClient(crypto, identity, key)
    {
        public override int GetHandshakeTimeoutMillis() => timeoutMillis;

        protected override int[] GetSupportedCipherSuites() => [cipherSuite];

        protected override ProtocolVersion[] GetSupportedVersions() => ProtocolVersion.DTLSv12.Only();
    }

    private sealed class SocketTransport(Socket socket, int sendsBeforeStalling) : DatagramTransport
    {
        private int sends;

        public int GetReceiveLimit() => 2048;

        public int GetSendLimit() => 2048;

        public int Receive(byte[] buf, int off, int len, int waitMillis) => Receive(buf.AsSpan(off, len), waitMillis);

        public int Receive(Span<byte> buffer, int waitMillis)
        {
            socket.ReceiveTimeout = waitMillis;
            try
            {
                return socket.Receive(buffer);
            }
            catch (SocketException e) when (e.SocketErrorCode is SocketError.TimedOut or SocketError.WouldBlock)
            {
                return -1;
            }
        }

        public void Send(byte[] buf, int off, int len) => Send(buf.AsSpan(off, len));

        public void Send(ReadOnlySpan<byte> buffer)
        {
            if (++sends <= sendsBeforeStalling)
            {
                socket.Send(buffer);
            }
        }

        public void Close()
        {
        }
    }
}
