using System.Text;
using Shoal.Coap.Protocol;
using Shoal.Coap.Transport;

namespace Shoal.Coap.Tests.Protocol;

public sealed class CoapEndpointClientTests
{
    private static readonly CoapPeer Device = EndpointHarness.Device;

    [Fact]
    public async Task SendAsync_NeverAcknowledged_RetransmitsThenTimesOut()
    {
        var options = new CoapEndpointOptions { AckTimeout = TimeSpan.FromSeconds(2), AckRandomFactor = 1.5, MaxRetransmit = 4 };
        await using var harness = new EndpointHarness(options);

        var sending = harness.Endpoint.SendAsync(Device, CoapMessage.Request(CoapCode.Get, "3/0/0"), CancellationToken.None);
        var sent = new List<CoapMessage>();
        for (var attempt = 0; attempt <= options.MaxRetransmit; attempt++)
        {
            sent.Add(await harness.Channel.NextSentAsync());
            harness.Time.Advance(options.AckTimeout * options.AckRandomFactor * (1 << attempt));
        }

        await Assert.ThrowsAsync<CoapTimeoutException>(() => sending.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal(5, sent.Count);
        Assert.All(sent, message => Assert.Equal(sent[0].MessageId, message.MessageId));
        Assert.All(sent, message => Assert.Equal(CoapType.Confirmable, message.Type));
        Assert.InRange(sent[0].Token.Length, 4, 8);
        Assert.False(harness.Channel.HasSent);
    }

    [Fact]
    public async Task SendAsync_EarlierThanTheAckTimeout_DoesNotRetransmit()
    {
        await using var harness = new EndpointHarness();
        var sending = harness.Endpoint.SendAsync(Device, CoapMessage.Request(CoapCode.Get, "3/0/0"), CancellationToken.None);
        var request = await harness.Channel.NextSentAsync();

        harness.Time.Advance(TimeSpan.FromSeconds(1.9));
        var response = request.CreateResponse(CoapCode.Content);
        response.Type = CoapType.Acknowledgement;
        response.MessageId = request.MessageId;
        harness.Channel.Deliver(Device, response);

        Assert.Equal(CoapCode.Content, (await sending.WaitAsync(TimeSpan.FromSeconds(30))).Code);
        Assert.Empty(await harness.SyncAsync());
    }

    [Fact]
    public async Task SendAsync_SeparateResponse_IsAcknowledgedAndReturned()
    {
        await using var harness = new EndpointHarness();
        var sending = harness.Endpoint.SendAsync(Device, CoapMessage.Request(CoapCode.Get, "3/0/0"), CancellationToken.None);
        var request = await harness.Channel.NextSentAsync();

        harness.Channel.Deliver(Device, CoapMessage.EmptyBytes(CoapType.Acknowledgement, request.MessageId));
        await harness.SyncAsync();
        harness.Time.Advance(TimeSpan.FromSeconds(60));
        var separate = DelegateHandler.Content(request, "Shoal");
        separate.Type = CoapType.Confirmable;
        separate.MessageId = 0x4242;
        harness.Channel.Deliver(Device, separate);

        var response = await sending.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal("Shoal", Encoding.UTF8.GetString(response.Payload.Span));
        var ack = await harness.Channel.NextSentAsync();
        Assert.Equal(CoapType.Acknowledgement, ack.Type);
        Assert.Equal(CoapCode.Empty, ack.Code);
        Assert.Equal(0x4242, ack.MessageId);
    }

    [Fact]
    public async Task SendAsync_Reset_ThrowsResetException()
    {
        await using var harness = new EndpointHarness();
        var sending = harness.Endpoint.SendAsync(Device, CoapMessage.Request(CoapCode.Get, "3/0/0"), CancellationToken.None);
        var request = await harness.Channel.NextSentAsync();

        harness.Channel.Deliver(Device, CoapMessage.EmptyBytes(CoapType.Reset, request.MessageId));

        await Assert.ThrowsAsync<CoapResetException>(() => sending.WaitAsync(TimeSpan.FromSeconds(30)));
    }

    [Fact]
    public async Task SendAsync_AckFromAnotherPeer_IsNotTaken()
    {
        await using var harness = new EndpointHarness();
        var sending = harness.Endpoint.SendAsync(Device, CoapMessage.Request(CoapCode.Get, "3/0/0"), CancellationToken.None);
        var request = await harness.Channel.NextSentAsync();
        var stranger = new CoapPeer(new System.Net.IPEndPoint(System.Net.IPAddress.Parse("192.0.2.99"), 40000));
        var forged = request.CreateResponse(CoapCode.Content);
        forged.Type = CoapType.Acknowledgement;
        forged.MessageId = request.MessageId;

        harness.Channel.Deliver(stranger, forged);
        await harness.SyncAsync();

        Assert.False(sending.IsCompleted);
    }

    [Fact]
    public async Task SendAsync_Cancelled_StopsRetransmitting()
    {
        await using var harness = new EndpointHarness();
        using var cancellation = new CancellationTokenSource();
        var sending = harness.Endpoint.SendAsync(Device, CoapMessage.Request(CoapCode.Get, "3/0/0"), cancellation.Token);
        await harness.Channel.NextSentAsync();

        await cancellation.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => sending.WaitAsync(TimeSpan.FromSeconds(30)));
        harness.Time.Advance(TimeSpan.FromMinutes(5));

        Assert.Empty(await harness.SyncAsync());
    }

    [Fact]
    public async Task SendAsync_Block2Response_FetchesTheRest()
    {
        await using var harness = new EndpointHarness();
        var body = Enumerable.Range(0, 40).Select(i => (byte)i).ToArray();
        var sending = harness.Endpoint.SendAsync(Device, CoapMessage.Request(CoapCode.Get, "5/0/1"), CancellationToken.None);

        for (var number = 0; number < 3; number++)
        {
            var request = await harness.Channel.NextSentAsync();
            Assert.Equal("5/0/1", request.Path);
            Assert.Equal(number, request.Block2?.Number ?? 0);
            var response = request.CreateResponse(CoapCode.Content)
                .Add(CoapOptionNumber.Block2, new BlockOption(number, number < 2, 0).ToValue());
            response.Type = CoapType.Acknowledgement;
            response.MessageId = request.MessageId;
            response.Payload = body.AsMemory(number * 16, Math.Min(16, body.Length - (number * 16)));
            harness.Channel.Deliver(Device, response);
        }

        var whole = await sending.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(body, whole.Payload.ToArray());
        Assert.Null(whole.Block2);
    }

    [Fact]
    public async Task ObserveAsync_ConfirmableNotification_IsAcknowledgedOnlyAfterTheHandler()
    {
        await using var harness = new EndpointHarness();
        var (request, _) = await ObserveAsync(harness);
        var release = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        var seen = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        harness.Handler.OnNotification = (_, notification) =>
        {
            seen.TrySetResult(Encoding.UTF8.GetString(notification.Payload.Span));
            return release.Task;
        };

        harness.Channel.Deliver(Device, Notification(request, 0x3001, 5, "21.5", CoapType.Confirmable));
        Assert.Equal("21.5", await seen.Task.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Empty(await harness.SyncAsync());
        release.SetResult(true);
        var ack = await harness.Channel.NextSentAsync();

        Assert.Equal(CoapType.Acknowledgement, ack.Type);
        Assert.Equal(0x3001, ack.MessageId);
    }

    [Fact]
    public async Task ObserveAsync_StaleSequence_IsDropped()
    {
        await using var harness = new EndpointHarness();
        var (request, _) = await ObserveAsync(harness);
        var seen = new List<string>();
        var two = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        harness.Handler.OnNotification = (_, notification) =>
        {
            lock (seen)
            {
                seen.Add(Encoding.UTF8.GetString(notification.Payload.Span));
                if (seen.Count == 2)
                {
                    two.SetResult();
                }
            }

            return Task.FromResult(true);
        };

        harness.Channel.Deliver(Device, Notification(request, 0x3001, 10, "new", CoapType.NonConfirmable));
        harness.Channel.Deliver(Device, Notification(request, 0x3002, 9, "old", CoapType.NonConfirmable));
        harness.Channel.Deliver(Device, Notification(request, 0x3003, 11, "newer", CoapType.Confirmable));
        await two.Task.WaitAsync(TimeSpan.FromSeconds(30));
        await harness.SyncAsync();

        Assert.Equal(["new", "newer"], seen.Order());
    }

    [Fact]
    public async Task ObserveAsync_SequenceAfterWrapAround_IsFresh()
    {
        await using var harness = new EndpointHarness();
        var (request, _) = await ObserveAsync(harness, sequence: 0xFF_FFF0);
        var delivered = 0;
        harness.Handler.OnNotification = (_, _) =>
        {
            Interlocked.Increment(ref delivered);
            return Task.FromResult(true);
        };

        harness.Channel.Deliver(Device, Notification(request, 0x3001, 2, "wrapped", CoapType.Confirmable));
        await harness.Channel.NextSentAsync();

        Assert.Equal(1, delivered);
    }

    [Fact]
    public async Task ObserveAsync_StaleSequenceAfter128Seconds_IsFresh()
    {
        await using var harness = new EndpointHarness();
        var (request, _) = await ObserveAsync(harness, sequence: 100);
        var delivered = 0;
        harness.Handler.OnNotification = (_, _) =>
        {
            Interlocked.Increment(ref delivered);
            return Task.FromResult(true);
        };

        harness.Time.Advance(TimeSpan.FromSeconds(129));
        harness.Channel.Deliver(Device, Notification(request, 0x3001, 50, "after a restart", CoapType.Confirmable));
        await harness.Channel.NextSentAsync();

        Assert.Equal(1, delivered);
    }

    [Fact]
    public async Task ObserveAsync_HandlerReturnsFalse_ResetsAndForgets()
    {
        await using var harness = new EndpointHarness();
        var (request, _) = await ObserveAsync(harness);
        harness.Handler.OnNotification = (_, _) => Task.FromResult(false);

        harness.Channel.Deliver(Device, Notification(request, 0x3001, 5, "x", CoapType.Confirmable));
        var reset = await harness.Channel.NextSentAsync();

        Assert.Equal(CoapType.Reset, reset.Type);
        Assert.Equal(0x3001, reset.MessageId);
        Assert.Equal(0, harness.Endpoint.ObservationCount);
    }

    [Fact]
    public async Task ObserveAsync_FinalResponseWithoutObserve_IsDeliveredAndEndsTheObservation()
    {
        await using var harness = new EndpointHarness();
        var (request, _) = await ObserveAsync(harness);
        var delivered = new TaskCompletionSource<CoapCode>(TaskCreationOptions.RunContinuationsAsynchronously);
        harness.Handler.OnNotification = (_, notification) =>
        {
            delivered.TrySetResult(notification.Code);
            return Task.FromResult(true);
        };
        var final = request.CreateResponse(CoapCode.NotFound);
        final.Type = CoapType.Confirmable;
        final.MessageId = 0x3001;

        harness.Channel.Deliver(Device, final);
        var ack = await harness.Channel.NextSentAsync();

        Assert.Equal(CoapType.Acknowledgement, ack.Type);
        Assert.Equal(CoapCode.NotFound, await delivered.Task.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal(0, harness.Endpoint.ObservationCount);
    }

    [Fact]
    public async Task Notification_UnknownToken_IsReset()
    {
        await using var harness = new EndpointHarness();
        var stray = new CoapMessage { Type = CoapType.NonConfirmable, Code = CoapCode.Content, MessageId = 0x3001, Token = new byte[] { 1, 2, 3, 4 } }
            .Add(CoapOptionNumber.Observe, 3u);

        harness.Channel.Deliver(Device, stray);
        var reset = await harness.Channel.NextSentAsync();

        Assert.Equal(CoapType.Reset, reset.Type);
        Assert.Equal(0x3001, reset.MessageId);
    }

    [Fact]
    public async Task ForgetObservations_LaterNotification_IsReset()
    {
        await using var harness = new EndpointHarness();
        var (request, _) = await ObserveAsync(harness);
        var delivered = 0;
        harness.Handler.OnNotification = (_, _) =>
        {
            Interlocked.Increment(ref delivered);
            return Task.FromResult(true);
        };

        harness.Endpoint.ForgetObservations(Device);
        harness.Channel.Deliver(Device, Notification(request, 0x3001, 5, "x", CoapType.Confirmable));
        var reset = await harness.Channel.NextSentAsync();

        Assert.Equal(CoapType.Reset, reset.Type);
        Assert.Equal(0, delivered);
    }

    private static async Task<(CoapMessage Request, CoapMessage Response)> ObserveAsync(EndpointHarness harness, uint sequence = 1)
    {
        var observing = harness.Endpoint.ObserveAsync(Device, CoapMessage.Request(CoapCode.Get, "3303/0/5700"), CancellationToken.None);
        var request = await harness.Channel.NextSentAsync();
        Assert.Equal(0u, request.Observe);
        var first = DelegateHandler.Content(request, "21.0").Add(CoapOptionNumber.Observe, sequence);
        first.Type = CoapType.Acknowledgement;
        first.MessageId = request.MessageId;
        harness.Channel.Deliver(Device, first);
        var response = await observing.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(1, harness.Endpoint.ObservationCount);
        return (request, response);
    }

    private static CoapMessage Notification(CoapMessage request, ushort messageId, uint sequence, string value, CoapType type)
    {
        var notification = DelegateHandler.Content(request, value).Add(CoapOptionNumber.Observe, sequence);
        notification.Type = type;
        notification.MessageId = messageId;
        return notification;
    }
}
