using System.Net;
using Microsoft.Extensions.Logging;
using Shoal.Coap.Protocol;
using Shoal.Coap.Transport;

namespace Shoal.Coap.Tests.Protocol;

public sealed class CoapEndpointFuzzTests
{
    [Fact]
    public async Task RunAsync_TwentyThousandRandomAndMutatedDatagrams_KeepsAnsweringWithBoundedState()
    {
        var options = new CoapEndpointOptions { DeduplicationCapacity = 500, MaxBlockTransfers = 20 };
        var logger = new CountingLogger();
        await using var harness = new EndpointHarness(options, logger);
        var random = new Random(7252);
        var peers = Enumerable.Range(1, 40).Select(i => new CoapPeer(new IPEndPoint(IPAddress.Parse($"198.51.100.{i}"), 5000 + i))).ToArray();
        var seeds = Seeds().Select(message => message.ToBytes()).ToArray();

        for (var i = 0; i < 20_000; i++)
        {
            var peer = peers[random.Next(peers.Length)];
            harness.Channel.Deliver(peer, i % 2 == 0 ? RandomBytes(random) : Mutate(random, seeds[random.Next(seeds.Length)]));
        }

        await harness.SyncAsync();
        var request = harness.Request(CoapCode.Get, "still/here");
        harness.Channel.Deliver(EndpointHarness.Device, request);
        CoapMessage answer;
        while (true)
        {
            var (to, bytes) = await harness.Channel.NextSentBytesAsync();
            answer = CoapMessage.Parse(bytes);
            if (to == EndpointHarness.Device && answer.MessageId == request.MessageId)
            {
                break;
            }
        }

        Assert.Equal(CoapCode.Content, answer.Code);
        Assert.False(harness.Running.IsCompleted);
        Assert.Equal(0, logger.Failures);
        Assert.InRange(harness.Endpoint.DeduplicationCount, 0, options.DeduplicationCapacity);
        Assert.InRange(harness.Endpoint.BlockTransferCount, 0, 2 * options.MaxBlockTransfers);
    }

    private static IEnumerable<CoapMessage> Seeds()
    {
        var token = new byte[] { 1, 2, 3, 4 };
        yield return new CoapMessage { Type = CoapType.Confirmable, Code = CoapCode.Get, MessageId = 1, Token = token }.WithPath("3/0/0");
        yield return new CoapMessage { Type = CoapType.NonConfirmable, Code = CoapCode.Post, MessageId = 2, Token = token, Payload = new byte[40] }
            .WithPath("rd").Add(CoapOptionNumber.UriQuery, "ep=fuzz").Add(CoapOptionNumber.ContentFormat, 40u);
        for (var number = 0; number < 4; number++)
        {
            yield return new CoapMessage { Type = CoapType.Confirmable, Code = CoapCode.Put, MessageId = (ushort)(10 + number), Token = token, Payload = new byte[16] }
                .WithPath("dp").Add(CoapOptionNumber.Block1, new BlockOption(number, true, 0).ToValue());
        }

        yield return new CoapMessage { Type = CoapType.Confirmable, Code = CoapCode.Get, MessageId = 20, Token = token }
            .WithPath("fw").Add(CoapOptionNumber.Block2, new BlockOption(3, false, 6).ToValue());
        yield return new CoapMessage { Type = CoapType.Confirmable, Code = CoapCode.Content, MessageId = 30, Token = token, Payload = new byte[8] }
            .Add(CoapOptionNumber.Observe, 12u);
        yield return new CoapMessage { Type = CoapType.Acknowledgement, Code = CoapCode.Content, MessageId = 31, Token = token };
        yield return new CoapMessage { Type = CoapType.Reset, Code = CoapCode.Empty, MessageId = 32 };
        yield return new CoapMessage { Type = CoapType.Confirmable, Code = CoapCode.Get, MessageId = 33, Token = token }.Add(9, "critical");
    }

    private static byte[] RandomBytes(Random random)
    {
        var bytes = new byte[random.Next(0, 80)];
        random.NextBytes(bytes);
        if (bytes.Length > 0 && random.Next(2) == 0)
        {
            bytes[0] = (byte)(0x40 | (bytes[0] & 0x3F));
        }

        return bytes;
    }

    private static byte[] Mutate(Random random, byte[] seed)
    {
        var bytes = seed.ToList();
        for (var change = random.Next(1, 4); change > 0 && bytes.Count > 0; change--)
        {
            var position = random.Next(bytes.Count);
            switch (random.Next(4))
            {
                case 0:
                    bytes[position] = (byte)random.Next(256);
                    break;
                case 1:
                    bytes.RemoveRange(position, bytes.Count - position);
                    break;
                case 2:
                    bytes.Insert(position, (byte)random.Next(256));
                    break;
                default:
                    bytes[position] ^= (byte)(1 << random.Next(8));
                    break;
            }
        }

        return [.. bytes];
    }

    private sealed class CountingLogger : ILogger<CoapEndpoint>
    {
        private int _failures;

        public int Failures => Volatile.Read(ref _failures);

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (logLevel >= LogLevel.Warning)
            {
                Interlocked.Increment(ref _failures);
            }
        }
    }
}
