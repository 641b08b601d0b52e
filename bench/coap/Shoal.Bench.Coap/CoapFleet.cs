using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Shoal.Bench.Coap;

/// <summary>One confirmable request waiting for its acknowledgement; retransmitted as RFC 7252 §4.2 says.</summary>
internal sealed class Exchange(int device, ushort messageId, ulong token, byte[] datagram, long intended, byte expected)
{
    public int Device => device;
    public ushort MessageId => messageId;
    public ulong Token => token;
    public byte[] Datagram => datagram;

    /// <summary>When the open-loop schedule meant it to leave (Stopwatch ticks): latency counts from here.</summary>
    public long Intended => intended;

    public byte Expected => expected;
    public long NextSend { get; set; }
    public long Timeout { get; set; }
    public int Retransmissions { get; set; }

    /// <summary>Set when an empty ACK came: the response follows separately and nothing more is retransmitted.</summary>
    public bool Separate { get; set; }

    public TaskCompletionSource<byte>? Completion { get; init; }
}

/// <summary>
/// The simulated devices: each has its own UDP socket (so its own source port), answers Shoal's requests (its
/// observation of <c>/19/0/0</c>) with 4.04, and matches acknowledgements to its requests by message ID and token.
/// </summary>
internal sealed class CoapFleet : IAsyncDisposable
{
    private const int MaxRetransmit = 4;
    private static readonly long AckTimeout = Stopwatch.Frequency * 2;

    private readonly IReadOnlyList<string> _names;
    private readonly Socket[] _sockets;
    private readonly int[] _nextMessageId;
    private readonly ConcurrentDictionary<long, Exchange> _exchanges = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly List<Task> _receivers = [];
    private readonly Thread _retransmitter;
    private long _nextToken = Random.Shared.NextInt64();
    private long _observesAnswered;
    private long _retransmissions;
    private long _timeouts;

    public CoapFleet(IReadOnlyList<string> names, IPEndPoint server)
    {
        _names = names;
        _sockets = new Socket[names.Count];
        _nextMessageId = new int[names.Count];
        for (var i = 0; i < names.Count; i++)
        {
            var socket = new Socket(server.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
            socket.Bind(new IPEndPoint(server.Address, 0));
            socket.Connect(server);
            _sockets[i] = socket;
            _nextMessageId[i] = Random.Shared.Next(ushort.MaxValue + 1);
            var device = i;
            _receivers.Add(Task.Run(() => ReceiveAsync(device)));
        }
        _retransmitter = new Thread(Retransmit) { IsBackground = true, Name = "retransmitter" };
        _retransmitter.Start();
    }

    public int Count => _names.Count;

    /// <summary>Requests from Shoal (its observation attempts) answered with 4.04.</summary>
    public long ObservesAnswered => Interlocked.Read(ref _observesAnswered);

    public long Retransmissions => Interlocked.Read(ref _retransmissions);

    /// <summary>Requests given up after every retransmission went unanswered.</summary>
    public long Timeouts => Interlocked.Read(ref _timeouts);

    public int Outstanding => _exchanges.Count;

    /// <summary>Called with the exchange and its response code (or null when it timed out or was reset) as it ends.</summary>
    public Action<Exchange, byte?, long>? Completed { get; set; }

    /// <summary>Registers every device, <paramref name="parallelism"/> at a time; returns how many Shoal refused or never answered.</summary>
    public async Task<int> RegisterAllAsync(int lifetimeSeconds, int parallelism)
    {
        var failures = 0;
        using var gate = new SemaphoreSlim(parallelism);
        await Task.WhenAll(Enumerable.Range(0, Count).Select(async device =>
        {
            await gate.WaitAsync();
            try
            {
                var completion = new TaskCompletionSource<byte>(TaskCreationOptions.RunContinuationsAsynchronously);
                Start(device, CoapWire.Register(_names[device], lifetimeSeconds), Stopwatch.GetTimestamp(), CoapWire.Created, completion);
                var code = await completion.Task;
                if (code != CoapWire.Created && Interlocked.Increment(ref failures) <= 5)
                {
                    await Console.Error.WriteLineAsync($"{_names[device]}: registration answered {(code == 0 ? "nothing" : CoapWire.Name(code))}");
                }
            }
            finally
            {
                gate.Release();
            }
        }));
        return failures;
    }

    /// <summary>Sends a confirmable request from <paramref name="device"/>; <see cref="Completed"/> (or the completion) hears how it ended.</summary>
    public void Start(int device, byte[] template, long intended, byte expected, TaskCompletionSource<byte>? completion = null)
    {
        var messageId = (ushort)Interlocked.Increment(ref _nextMessageId[device]);
        var token = (ulong)Interlocked.Increment(ref _nextToken);
        var exchange = new Exchange(device, messageId, token, CoapWire.Stamp(template, messageId, token), intended, expected)
        {
            Completion = completion,
            Timeout = AckTimeout + Random.Shared.NextInt64(AckTimeout / 2),
        };
        exchange.NextSend = Stopwatch.GetTimestamp() + exchange.Timeout;
        _exchanges[Key(device, messageId)] = exchange;
        try
        {
            _sockets[device].Send(exchange.Datagram);
        }
        catch (SocketException)
        {
            // Lost like a datagram on the wire: the retransmission tries again.
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        foreach (var socket in _sockets)
        {
            socket.Dispose();
        }
        await Task.WhenAll(_receivers).ContinueWith(_ => { }, TaskScheduler.Default);
        _stopping.Dispose();
    }

    private static long Key(int device, ushort messageId) => ((long)device << 16) | messageId;

    private async Task ReceiveAsync(int device)
    {
        var socket = _sockets[device];
        var buffer = new byte[2048];
        while (!_stopping.IsCancellationRequested)
        {
            int length;
            try
            {
                length = await socket.ReceiveAsync(buffer, SocketFlags.None, _stopping.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (ObjectDisposedException)
            {
                return;
            }
            catch (SocketException)
            {
                // An ICMP port unreachable from an earlier send: the server was not listening yet.
                continue;
            }
            Handle(device, buffer.AsSpan(0, length));
        }
    }

    private void Handle(int device, ReadOnlySpan<byte> datagram)
    {
        if (!CoapWire.TryRead(datagram, out var type, out var code, out var messageId, out var token))
        {
            return;
        }
        var now = Stopwatch.GetTimestamp();
        var isRequest = code is > 0 and < 0x20;
        if (isRequest)
        {
            // Shoal observes /19/0/0 after a registration; these devices have nothing there.
            if (type == CoapWire.Confirmable)
            {
                Interlocked.Increment(ref _observesAnswered);
                TrySend(device, CoapWire.Answer(CoapWire.Acknowledgement, CoapWire.NotFound, messageId, token));
            }
            return;
        }
        if (type is CoapWire.Acknowledgement or CoapWire.Reset)
        {
            if (!_exchanges.TryGetValue(Key(device, messageId), out var exchange))
            {
                return;
            }
            if (type == CoapWire.Acknowledgement && code == CoapWire.Empty)
            {
                exchange.Separate = true;
                return;
            }
            if (type == CoapWire.Acknowledgement && !TokenIs(token, exchange.Token))
            {
                return;
            }
            End(exchange, type == CoapWire.Reset ? null : code, now);
            return;
        }
        if (code == CoapWire.Empty)
        {
            if (type == CoapWire.Confirmable)
            {
                TrySend(device, CoapWire.Answer(CoapWire.Reset, CoapWire.Empty, messageId, default));
            }
            return;
        }
        // A separate response: matched by token alone, after an empty ACK.
        if (type == CoapWire.Confirmable)
        {
            TrySend(device, CoapWire.Answer(CoapWire.Acknowledgement, CoapWire.Empty, messageId, default));
        }
        foreach (var exchange in _exchanges.Values)
        {
            if (exchange.Device == device && TokenIs(token, exchange.Token))
            {
                End(exchange, code, now);
                return;
            }
        }
    }

    private void End(Exchange exchange, byte? code, long now)
    {
        if (!_exchanges.TryRemove(KeyValuePair.Create(Key(exchange.Device, exchange.MessageId), exchange)))
        {
            return;
        }
        exchange.Completion?.TrySetResult(code ?? 0);
        Completed?.Invoke(exchange, code, now);
    }

    private static bool TokenIs(ReadOnlySpan<byte> token, ulong expected) =>
        token.Length == 8 && BinaryPrimitives.ReadUInt64BigEndian(token) == expected;

    private void TrySend(int device, byte[] datagram)
    {
        try
        {
            _sockets[device].Send(datagram);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
        }
    }

    private void Retransmit()
    {
        while (!_stopping.IsCancellationRequested)
        {
            Thread.Sleep(50);
            var now = Stopwatch.GetTimestamp();
            foreach (var exchange in _exchanges.Values)
            {
                if (exchange.Separate || now < exchange.NextSend)
                {
                    continue;
                }
                if (exchange.Retransmissions == MaxRetransmit)
                {
                    Interlocked.Increment(ref _timeouts);
                    End(exchange, null, now);
                    continue;
                }
                exchange.Retransmissions++;
                exchange.Timeout *= 2;
                exchange.NextSend = now + exchange.Timeout;
                Interlocked.Increment(ref _retransmissions);
                TrySend(exchange.Device, exchange.Datagram);
            }
        }
    }
}
