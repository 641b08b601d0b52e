using System.Net;
using System.Text;
using Shoal.Coap.Protocol;
using Shoal.Coap.Transport;

namespace Shoal.Coap.Tests.Protocol;

public sealed class CoapEndpointServerTests
{
    private static readonly CoapPeer Device = EndpointHarness.Device;

    [Fact]
    public async Task Confirmable_HandlerStillRunning_NothingSentUntilItCompletes()
    {
        await using var harness = new EndpointHarness();
        var release = new TaskCompletionSource<CoapMessage>(TaskCreationOptions.RunContinuationsAsynchronously);
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        harness.Handler.OnRequest = (_, _) =>
        {
            started.TrySetResult();
            return release.Task;
        };
        var request = harness.Request(CoapCode.Post, "rd");

        harness.Channel.Deliver(Device, request);
        await started.Task.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Empty(await harness.SyncAsync());
        release.SetResult(DelegateHandler.Content(request, "ok"));
        var response = await harness.Channel.NextSentAsync();

        Assert.Equal(CoapType.Acknowledgement, response.Type);
        Assert.Equal(request.MessageId, response.MessageId);
        Assert.Equal(request.Token.ToArray(), response.Token.ToArray());
        Assert.Equal(CoapCode.Content, response.Code);
    }

    [Fact]
    public async Task Confirmable_RequestsOfOnePeer_AreHandledConcurrently()
    {
        await using var harness = new EndpointHarness();
        var release = new TaskCompletionSource<CoapMessage>(TaskCreationOptions.RunContinuationsAsynchronously);
        var bothStarted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var started = 0;
        harness.Handler.OnRequest = (_, request) =>
        {
            if (Interlocked.Increment(ref started) == 2)
            {
                bothStarted.SetResult();
            }

            return release.Task;
        };

        harness.Channel.Deliver(Device, harness.Request(CoapCode.Get, "a"));
        harness.Channel.Deliver(Device, harness.Request(CoapCode.Get, "b"));

        await bothStarted.Task.WaitAsync(TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task NonConfirmable_IsAnsweredNonConfirmable()
    {
        await using var harness = new EndpointHarness();
        var request = harness.Request(CoapCode.Get, "hello", CoapType.NonConfirmable);

        harness.Channel.Deliver(Device, request);
        var response = await harness.Channel.NextSentAsync();

        Assert.Equal(CoapType.NonConfirmable, response.Type);
        Assert.Equal(request.Token.ToArray(), response.Token.ToArray());
        Assert.Equal("hello", Encoding.UTF8.GetString(response.Payload.Span));
    }

    [Fact]
    public async Task Duplicate_WhileHandled_IsIgnored()
    {
        await using var harness = new EndpointHarness();
        var release = new TaskCompletionSource<CoapMessage>(TaskCreationOptions.RunContinuationsAsynchronously);
        harness.Handler.OnRequest = (_, _) => release.Task;
        var request = harness.Request(CoapCode.Post, "rd");

        harness.Channel.Deliver(Device, request);
        harness.Channel.Deliver(Device, request);
        Assert.Empty(await harness.SyncAsync());
        release.SetResult(request.CreateResponse(CoapCode.Created));
        await harness.Channel.NextSentAsync();

        Assert.Empty(await harness.SyncAsync());
        Assert.Equal(1, harness.Handler.Requests);
    }

    [Fact]
    public async Task Duplicate_AfterAnswer_GetsTheSameBytes()
    {
        await using var harness = new EndpointHarness();
        var request = harness.Request(CoapCode.Post, "rd");
        harness.Channel.Deliver(Device, request);
        var first = await harness.Channel.NextSentBytesAsync();

        harness.Channel.Deliver(Device, request);
        var second = await harness.Channel.NextSentBytesAsync();

        Assert.Equal(first.Bytes, second.Bytes);
        Assert.Equal(1, harness.Handler.Requests);
    }

    [Fact]
    public async Task SameMessageId_FromAnotherPeer_IsNotADuplicate()
    {
        await using var harness = new EndpointHarness();
        var request = harness.Request(CoapCode.Get, "a");
        var other = new CoapPeer(new IPEndPoint(IPAddress.Parse("192.0.2.11"), 40000));

        harness.Channel.Deliver(Device, request);
        await harness.Channel.NextSentAsync();
        harness.Channel.Deliver(other, request);
        var (peer, _) = await harness.Channel.NextSentBytesAsync();

        Assert.Equal(other, peer);
        Assert.Equal(2, harness.Handler.Requests);
    }

    [Fact]
    public async Task UnknownCriticalOption_Is402()
    {
        await using var harness = new EndpointHarness();
        var request = harness.Request(CoapCode.Get, "a").Add(9, "x");

        harness.Channel.Deliver(Device, request);
        var response = await harness.Channel.NextSentAsync();

        Assert.Equal(CoapCode.BadOption, response.Code);
        Assert.Equal(0, harness.Handler.Requests);
    }

    [Fact]
    public async Task UnknownElectiveOption_IsIgnored()
    {
        await using var harness = new EndpointHarness();
        var request = harness.Request(CoapCode.Get, "a").Add(2048, "x");

        harness.Channel.Deliver(Device, request);
        var response = await harness.Channel.NextSentAsync();

        Assert.Equal(CoapCode.Content, response.Code);
    }

    [Fact]
    public async Task MalformedConfirmable_IsReset()
    {
        await using var harness = new EndpointHarness();

        harness.Channel.Deliver(Device, Convert.FromHexString("42011234AABBF1"));
        var response = await harness.Channel.NextSentAsync();

        Assert.Equal(CoapType.Reset, response.Type);
        Assert.Equal(0x1234, response.MessageId);
    }

    [Fact]
    public async Task MalformedNonConfirmable_IsIgnored()
    {
        await using var harness = new EndpointHarness();

        harness.Channel.Deliver(Device, Convert.FromHexString("52011234AABBF1"));

        Assert.Empty(await harness.SyncAsync());
    }

    [Fact]
    public async Task EmptyConfirmable_IsReset()
    {
        await using var harness = new EndpointHarness();

        harness.Channel.Deliver(Device, CoapMessage.EmptyBytes(CoapType.Confirmable, 0x0BAD));
        var response = await harness.Channel.NextSentAsync();

        Assert.Equal(CoapType.Reset, response.Type);
        Assert.Equal(0x0BAD, response.MessageId);
    }

    [Fact]
    public async Task ResponseToNobody_Confirmable_IsReset()
    {
        await using var harness = new EndpointHarness();
        var stray = new CoapMessage { Type = CoapType.Confirmable, Code = CoapCode.Content, MessageId = 77, Token = new byte[] { 1, 2, 3, 4 } };

        harness.Channel.Deliver(Device, stray);
        var response = await harness.Channel.NextSentAsync();

        Assert.Equal(CoapType.Reset, response.Type);
        Assert.Equal(77, response.MessageId);
    }

    [Fact]
    public async Task HandlerThrows_Is500()
    {
        await using var harness = new EndpointHarness();
        harness.Handler.OnRequest = (_, _) => throw new InvalidOperationException("broken");

        harness.Channel.Deliver(Device, harness.Request(CoapCode.Get, "a"));
        var response = await harness.Channel.NextSentAsync();

        Assert.Equal(CoapCode.InternalServerError, response.Code);
    }

    [Fact]
    public async Task OverMaxConcurrentRequests_Confirmable_Is503WithMaxAge()
    {
        await using var harness = new EndpointHarness(new CoapEndpointOptions { MaxConcurrentRequests = 1 });
        var release = new TaskCompletionSource<CoapMessage>(TaskCreationOptions.RunContinuationsAsynchronously);
        harness.Handler.OnRequest = (_, _) => release.Task;
        harness.Channel.Deliver(Device, harness.Request(CoapCode.Get, "a"));

        harness.Channel.Deliver(Device, harness.Request(CoapCode.Get, "b"));
        var response = await harness.Channel.NextSentAsync();

        Assert.Equal(CoapCode.ServiceUnavailable, response.Code);
        Assert.Equal(1u, response.GetUInt(CoapOptionNumber.MaxAge));
        release.SetResult(new CoapMessage { Code = CoapCode.Content });
    }

    [Fact]
    public async Task OverMaxConcurrentRequestsPerPeer_IsDroppedAndLaterRetransmissionHandled()
    {
        await using var harness = new EndpointHarness(new CoapEndpointOptions { MaxConcurrentRequestsPerPeer = 1 });
        var release = new TaskCompletionSource<CoapMessage>(TaskCreationOptions.RunContinuationsAsynchronously);
        harness.Handler.OnRequest = (_, request) => request.Path == "slow" ? release.Task : Task.FromResult(request.CreateResponse(CoapCode.Content));
        harness.Channel.Deliver(Device, harness.Request(CoapCode.Get, "slow"));
        var second = harness.Request(CoapCode.Get, "fast");

        harness.Channel.Deliver(Device, second);
        Assert.Empty(await harness.SyncAsync());
        release.SetResult(new CoapMessage { Code = CoapCode.Content });
        await harness.Channel.NextSentAsync();
        harness.Channel.Deliver(Device, second);
        var response = await harness.Channel.NextSentAsync();

        Assert.Equal(second.MessageId, response.MessageId);
        Assert.Equal(CoapCode.Content, response.Code);
    }

    [Fact]
    public async Task OversizedBody_Is413WithSize1()
    {
        await using var harness = new EndpointHarness(new CoapEndpointOptions { MaxBodySize = 100 });
        var request = harness.Request(CoapCode.Post, "dp");
        request.Payload = new byte[101];

        harness.Channel.Deliver(Device, request);
        var response = await harness.Channel.NextSentAsync();

        Assert.Equal(CoapCode.RequestEntityTooLarge, response.Code);
        Assert.Equal(100u, response.GetUInt(CoapOptionNumber.Size1));
        Assert.Equal(0, harness.Handler.Requests);
    }

    [Fact]
    public async Task Block1_ThreeBlocks_HandlerSeesTheWholeBody()
    {
        await using var harness = new EndpointHarness();
        byte[]? seen = null;
        BlockOption? seenBlock1 = new BlockOption(-1, false, 0);
        harness.Handler.OnRequest = (_, request) =>
        {
            seen = request.Payload.ToArray();
            seenBlock1 = request.Block1;
            return Task.FromResult(request.CreateResponse(CoapCode.Changed));
        };
        var body = Enumerable.Range(0, 40).Select(i => (byte)i).ToArray();

        var responses = new List<CoapMessage>();
        for (var number = 0; number < 3; number++)
        {
            var block = harness.Request(CoapCode.Post, "dp")
                .Add(CoapOptionNumber.Block1, new BlockOption(number, number < 2, 0).ToValue());
            block.Payload = body.AsMemory(number * 16, Math.Min(16, body.Length - (number * 16)));
            harness.Channel.Deliver(Device, block);
            responses.Add(await harness.Channel.NextSentAsync());
        }

        Assert.Equal([CoapCode.Continue, CoapCode.Continue, CoapCode.Changed], responses.Select(response => response.Code));
        Assert.Equal(new BlockOption(2, false, 0), responses[2].Block1);
        Assert.Equal(body, seen);
        Assert.Null(seenBlock1);
        Assert.Equal(1, harness.Handler.Requests);
    }

    [Fact]
    public async Task Block1_OutOfOrder_Is408()
    {
        await using var harness = new EndpointHarness();
        var first = harness.Request(CoapCode.Post, "dp").Add(CoapOptionNumber.Block1, new BlockOption(0, true, 0).ToValue());
        first.Payload = new byte[16];
        harness.Channel.Deliver(Device, first);
        await harness.Channel.NextSentAsync();
        var third = harness.Request(CoapCode.Post, "dp").Add(CoapOptionNumber.Block1, new BlockOption(2, false, 0).ToValue());
        third.Payload = new byte[4];

        harness.Channel.Deliver(Device, third);
        var response = await harness.Channel.NextSentAsync();

        Assert.Equal(CoapCode.RequestEntityIncomplete, response.Code);
        Assert.Equal(0, harness.Handler.Requests);
    }

    [Fact]
    public async Task Block1_PutTogetherOverMaxBodySize_Is413()
    {
        await using var harness = new EndpointHarness(new CoapEndpointOptions { MaxBodySize = 20 });
        var first = harness.Request(CoapCode.Post, "dp").Add(CoapOptionNumber.Block1, new BlockOption(0, true, 0).ToValue());
        first.Payload = new byte[16];
        harness.Channel.Deliver(Device, first);
        await harness.Channel.NextSentAsync();
        var second = harness.Request(CoapCode.Post, "dp").Add(CoapOptionNumber.Block1, new BlockOption(1, true, 0).ToValue());
        second.Payload = new byte[16];

        harness.Channel.Deliver(Device, second);
        var response = await harness.Channel.NextSentAsync();

        Assert.Equal(CoapCode.RequestEntityTooLarge, response.Code);
        Assert.Equal(20u, response.GetUInt(CoapOptionNumber.Size1));
    }

    [Fact]
    public async Task Block1_TransfersBeyondMax_OldestIsDropped()
    {
        await using var harness = new EndpointHarness(new CoapEndpointOptions { MaxBlockTransfers = 2 });
        for (var path = 0; path < 3; path++)
        {
            var first = harness.Request(CoapCode.Post, $"dp{path}").Add(CoapOptionNumber.Block1, new BlockOption(0, true, 0).ToValue());
            first.Payload = new byte[16];
            harness.Channel.Deliver(Device, first);
            await harness.Channel.NextSentAsync();
        }

        var last = harness.Request(CoapCode.Post, "dp0").Add(CoapOptionNumber.Block1, new BlockOption(1, false, 0).ToValue());
        harness.Channel.Deliver(Device, last);
        var response = await harness.Channel.NextSentAsync();

        Assert.Equal(CoapCode.RequestEntityIncomplete, response.Code);
        Assert.Equal(2, harness.Endpoint.BlockTransferCount);
    }

    [Fact]
    public async Task LargeResponse_IsServedInBlocksFromTheKeptBody()
    {
        await using var harness = new EndpointHarness();
        var body = Enumerable.Range(0, 2500).Select(i => (byte)i).ToArray();
        harness.Handler.OnRequest = (_, request) =>
        {
            var response = request.CreateResponse(CoapCode.Content);
            response.Payload = body;
            return Task.FromResult(response);
        };

        var received = new List<byte>();
        BlockOption? block = null;
        for (var number = 0; block is null || block.Value.More; number++)
        {
            var request = harness.Request(CoapCode.Get, "fw");
            if (number > 0)
            {
                request.Add(CoapOptionNumber.Block2, new BlockOption(number, false, 6).ToValue());
            }

            harness.Channel.Deliver(Device, request);
            var response = await harness.Channel.NextSentAsync();
            block = response.Block2;
            Assert.NotNull(block);
            Assert.Equal(number, block.Value.Number);
            received.AddRange(response.Payload.ToArray());
        }

        Assert.Equal(body, received);
        Assert.Equal(1, harness.Handler.Requests);
    }

    [Fact]
    public async Task Block2_SmallerSizeAsked_IsServedInThatSize()
    {
        await using var harness = new EndpointHarness();
        harness.Handler.OnRequest = (_, request) =>
        {
            var response = request.CreateResponse(CoapCode.Content);
            response.Payload = new byte[100];
            return Task.FromResult(response);
        };
        var request = harness.Request(CoapCode.Get, "x").Add(CoapOptionNumber.Block2, new BlockOption(0, false, 2).ToValue());

        harness.Channel.Deliver(Device, request);
        var response = await harness.Channel.NextSentAsync();

        Assert.Equal(new BlockOption(0, true, 2), response.Block2);
        Assert.Equal(64, response.Payload.Length);
        Assert.Equal(100u, response.GetUInt(CoapOptionNumber.Size2));
    }

    [Fact]
    public async Task Deduplication_BeyondCapacity_StaysBounded()
    {
        await using var harness = new EndpointHarness(new CoapEndpointOptions { DeduplicationCapacity = 10 });

        for (var i = 0; i < 50; i++)
        {
            harness.Channel.Deliver(Device, harness.Request(CoapCode.Get, "a", CoapType.NonConfirmable));
        }

        await harness.SyncAsync();
        Assert.InRange(harness.Endpoint.DeduplicationCount, 1, 10);
    }
}
