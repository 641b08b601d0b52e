using System.Collections.Concurrent;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MQTTnet.Adapter;
using MQTTnet.Diagnostics.Logger;
using MQTTnet.Formatter;
using MQTTnet.Implementations;
using MQTTnet.Server;

namespace Shoal.Gateway.Edge;

/// <summary>
/// Accepts device connections for the MQTT broker in place of MQTTnet's own listener, so that what a connection can
/// cost is bounded before anyone knows who it is: connections per source address and connections still without a
/// CONNECT are counted and refused past their limits, the CONNECT must arrive within a deadline, and no packet may
/// announce more bytes than it may have (<see cref="PacketSizeGuard"/>).
/// </summary>
internal sealed partial class DeviceListener(
    IOptions<GatewayOptions> options, Func<X509Certificate2> tlsCertificate, TimeProvider time, ILogger<DeviceListener> logger) : IMqttServerAdapter
{
    /// <summary>Room for a PUBLISH's topic, packet ID and MQTT 5 properties beside its payload.</summary>
    private const int PublishOverhead = 16 * 1024;

    private readonly CancellationTokenSource _stopping = new();
    private readonly List<Socket> _listeners = [];
    private readonly ConcurrentDictionary<IPAddress, int> _perAddress = new();
    private X509Certificate2? _certificate;
    private IMqttNetLogger _mqttLogger = MqttNetNullLogger.Instance;
    private MqttServerOptions _serverOptions = new();
    private int _pending;

    public Func<IMqttChannelAdapter, Task>? ClientHandler { get; set; }

    /// <summary>Connections that have not yet sent a whole CONNECT packet.</summary>
    public int Pending => Volatile.Read(ref _pending);

    public Task StartAsync(MqttServerOptions serverOptions, IMqttNetLogger logger)
    {
        (_serverOptions, _mqttLogger) = (serverOptions, logger);
        var settings = options.Value;
        if (settings.Port != 0)
        {
            Listen(settings.Port, tls: false);
        }
        if (settings.TlsPort != 0)
        {
            _certificate = tlsCertificate();
            Listen(settings.TlsPort, tls: true);
        }
        return Task.CompletedTask;
    }

    public Task StopAsync()
    {
        lock (_listeners)
        {
            if (!_stopping.IsCancellationRequested)
            {
                _stopping.Cancel();
            }
            _listeners.ForEach(l => l.Dispose());
            _listeners.Clear();
        }
        return Task.CompletedTask;
    }

    /// <summary>Both the broker and the container dispose the listener: the second time finds nothing to do.</summary>
    public void Dispose() => StopAsync();

    private void Listen(int port, bool tls)
    {
        var addresses = options.Value.HostAddresses ?? throw new InvalidOperationException($"Gateway:Host '{options.Value.Host}' names no address.");
        if (addresses.Count == 0)
        {
            Listen(EveryInterface(port), tls);
            return;
        }
        foreach (var address in addresses)
        {
            var listener = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                listener.Bind(new IPEndPoint(address, port));
            }
            catch (SocketException) when (address.Equals(IPAddress.IPv6Loopback))
            {
                // localhost on a machine without IPv6: the IPv4 loopback alone.
                listener.Dispose();
                continue;
            }
            Listen(listener, tls);
        }
    }

    private static Socket EveryInterface(int port)
    {
        try
        {
            var listener = new Socket(AddressFamily.InterNetworkV6, SocketType.Stream, ProtocolType.Tcp) { DualMode = true };
            listener.Bind(new IPEndPoint(IPAddress.IPv6Any, port));
            return listener;
        }
        catch (SocketException)
        {
            // A machine without IPv6: IPv4 alone.
            var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            listener.Bind(new IPEndPoint(IPAddress.Any, port));
            return listener;
        }
    }

    private void Listen(Socket listener, bool tls)
    {
        listener.Listen(1024);
        _listeners.Add(listener);
        _ = AcceptAsync(listener, tls);
    }

    private async Task AcceptAsync(Socket listener, bool tls)
    {
        while (!_stopping.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await listener.AcceptAsync(_stopping.Token);
            }
            catch (Exception error) when (error is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }
            catch (SocketException error)
            {
                LogAcceptFailed(logger, error);
                continue;
            }
            _ = ServeAsync(socket, tls);
        }
    }

    private async Task ServeAsync(Socket socket, bool tls)
    {
        var settings = options.Value;
        var remote = socket.RemoteEndPoint as IPEndPoint;
        var address = remote?.Address is { IsIPv4MappedToIPv6: true } mapped ? mapped.MapToIPv4() : remote?.Address ?? IPAddress.None;
        // The deadline runs from before the connection counts as pending, so whoever sees it pending sees its clock started.
        using var deadline = new CancellationTokenSource(settings.ConnectTimeout, time);
        if (!TryAdmit(address, settings))
        {
            socket.Dispose();
            return;
        }
        socket.NoDelay = true;
        Stream stream = new NetworkStream(socket, ownsSocket: true);
        var awaitingConnect = 1;
        var closeIfLate = deadline.Token.Register(socket.Dispose);
        void ConnectRead()
        {
            if (Interlocked.Exchange(ref awaitingConnect, 0) == 1)
            {
                closeIfLate.Dispose();
                Interlocked.Decrement(ref _pending);
            }
        }
        try
        {
            if (tls)
            {
                var secured = new SslStream(stream, leaveInnerStreamOpen: false);
                stream = secured;
                await secured.AuthenticateAsServerAsync(new SslServerAuthenticationOptions
                {
                    ServerCertificate = _certificate,
                    EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
                }, deadline.Token);
            }
            var guarded = new PacketSizeGuard(stream, settings.MaxConnectPacketBytes, settings.MaxPayloadBytes + PublishOverhead, ConnectRead);
            var channel = new MqttTcpChannel(guarded, socket.LocalEndPoint, remote, clientCertificate: null);
            var formatter = new MqttPacketFormatterAdapter(new MqttBufferWriter(_serverOptions.WriterBufferSize, _serverOptions.WriterBufferSizeMax));
            using var adapter = new MqttChannelAdapter(channel, formatter, _mqttLogger);
            if (ClientHandler is { } handle)
            {
                await handle(adapter);
            }
        }
        catch (Exception error) when (error is IOException or SocketException or AuthenticationException or OperationCanceledException or ObjectDisposedException)
        {
            LogConnectionEnded(logger, address, error.Message);
        }
        finally
        {
            ConnectRead();
            Release(address);
            await stream.DisposeAsync();
        }
    }

    private bool TryAdmit(IPAddress address, GatewayOptions settings)
    {
        if (Interlocked.Increment(ref _pending) > settings.MaxPendingConnections)
        {
            Interlocked.Decrement(ref _pending);
            LogTooManyPending(logger, address, settings.MaxPendingConnections);
            return false;
        }
        if (_perAddress.AddOrUpdate(address, 1, (_, count) => count + 1) > settings.MaxConnectionsPerAddress)
        {
            Release(address);
            Interlocked.Decrement(ref _pending);
            LogTooManyFromAddress(logger, address, settings.MaxConnectionsPerAddress);
            return false;
        }
        return true;
    }

    private void Release(IPAddress address)
    {
        if (_perAddress.AddOrUpdate(address, 0, (_, count) => count - 1) == 0)
        {
            _perAddress.TryRemove(KeyValuePair.Create(address, 0));
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Accepting a device connection failed.")]
    private static partial void LogAcceptFailed(ILogger logger, Exception error);

    [LoggerMessage(Level = LogLevel.Information, Message = "Device connection from {Address} refused: {Limit} connections are already waiting for their CONNECT.")]
    private static partial void LogTooManyPending(ILogger logger, IPAddress address, int limit);

    [LoggerMessage(Level = LogLevel.Information, Message = "Device connection from {Address} refused: the address already holds {Limit} connections.")]
    private static partial void LogTooManyFromAddress(ILogger logger, IPAddress address, int limit);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Device connection from {Address} ended: {Reason}")]
    private static partial void LogConnectionEnded(ILogger logger, IPAddress address, string reason);
}
