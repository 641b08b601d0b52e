using System.Buffers;
using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Shoal.Coap.Transport;

namespace Shoal.Coap.Protocol;

/// <summary>What an endpoint hands up: requests from peers, and notifications of the observations it started.</summary>
internal interface ICoapHandler
{
    /// <summary>
    /// Answers one request (a whole body: block-wise transfers are put together first). A CON request is acknowledged
    /// with the returned response only when this completes, so whatever must be durable is committed first. The
    /// endpoint sets the response's type, message ID and token.
    /// </summary>
    Task<CoapMessage> HandleRequestAsync(CoapPeer peer, CoapMessage request, CancellationToken cancellationToken);

    /// <summary>
    /// Takes one notification of an observation started with <see cref="CoapEndpoint.ObserveAsync"/>; a CON one is
    /// acknowledged when this completes, or reset when it returns false (the observation is then forgotten).
    /// </summary>
    Task<bool> HandleNotificationAsync(CoapPeer peer, CoapMessage notification, CancellationToken cancellationToken);
}

/// <summary>A peer did not acknowledge a confirmable message after every retransmission.</summary>
internal sealed class CoapTimeoutException(string message) : Exception(message)
{
}

/// <summary>A peer answered a confirmable message with RST.</summary>
internal sealed class CoapResetException(string message) : Exception(message)
{
}

internal sealed class CoapEndpointOptions
{
    /// <summary>Largest request body, whole or put together from blocks; larger is 4.13 with Size1.</summary>
    public int MaxBodySize { get; set; } = 1024;
    /// <summary>Requests being handled at once on the endpoint; beyond it new CON requests get 5.03 with Max-Age.</summary>
    public int MaxConcurrentRequests { get; set; } = 10_000;
    /// <summary>Requests being handled at once for one peer address; beyond it new ones are dropped (the peer retransmits).</summary>
    public int MaxConcurrentRequestsPerPeer { get; set; } = 64;
    /// <summary>Remembered (peer, message ID) pairs for deduplication, oldest dropped first.</summary>
    public int DeduplicationCapacity { get; set; } = 200_000;
    /// <summary>Block-wise uploads in progress at once; the oldest is dropped beyond it.</summary>
    public int MaxBlockTransfers { get; set; } = 1_000;
    public TimeSpan AckTimeout { get; set; } = TimeSpan.FromSeconds(2);
    public double AckRandomFactor { get; set; } = 1.5;
    public int MaxRetransmit { get; set; } = 4;
    /// <summary>How long a (peer, message ID) is remembered: RFC 7252's EXCHANGE_LIFETIME.</summary>
    public TimeSpan ExchangeLifetime { get; set; } = TimeSpan.FromSeconds(247);
}

/// <summary>
/// A CoAP endpoint on one datagram channel (RFC 7252 messaging, RFC 7959 block-wise, RFC 7641 observe as client): it
/// serves requests through an <see cref="ICoapHandler"/> and sends requests of its own to peers.
/// </summary>
internal sealed class CoapEndpoint(
    IDatagramChannel channel, CoapEndpointOptions options, ICoapHandler handler, TimeProvider time, ILogger<CoapEndpoint> logger)
{
    /// <summary>The largest block this endpoint sends, and the size it splits larger responses into.</summary>
    public const int MaxBlockSize = 1024;

    private const uint ObserveWindow = 1u << 23;
    private static readonly TimeSpan ObserveFreshness = TimeSpan.FromSeconds(128);

    private readonly MessageDeduplicator _deduplication = new(options.DeduplicationCapacity, options.ExchangeLifetime, time);
    private readonly ExpiringStore<TransferKey, BlockUpload> _uploads = new(options.MaxBlockTransfers, options.ExchangeLifetime, time);
    private readonly ExpiringStore<TransferKey, CoapMessage> _downloads = new(options.MaxBlockTransfers, options.ExchangeLifetime, time);
    private readonly Lock _activityLock = new();
    private readonly Dictionary<CoapPeer, int> _activePerPeer = [];
    private readonly ConcurrentDictionary<MessageKey, Exchange> _exchangesById = new();
    private readonly ConcurrentDictionary<TokenKey, Exchange> _exchangesByToken = new();
    private readonly ConcurrentDictionary<TokenKey, Observation> _observations = new();
    private int _active;
    private int _nextMessageId = Random.Shared.Next(ushort.MaxValue + 1);
    private CancellationToken _stopping;

    public IDatagramChannel Channel => channel;

    /// <summary>(Peer, message ID) pairs remembered for deduplication.</summary>
    internal int DeduplicationCount => _deduplication.Count;

    /// <summary>Block-wise uploads being put together and responses kept for their later blocks.</summary>
    internal int BlockTransferCount => _uploads.Count + _downloads.Count;

    /// <summary>Requests and notifications being handled.</summary>
    internal int ActiveCount => Volatile.Read(ref _active);

    internal int ObservationCount => _observations.Count;

    /// <summary>Reads and answers datagrams until cancelled.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        _stopping = cancellationToken;
        while (true)
        {
            Datagram datagram;
            try
            {
                datagram = await channel.ReceiveAsync(cancellationToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            try
            {
                await ProcessAsync(datagram);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
#pragma warning disable CA1031 // One bad datagram must not stop the endpoint.
            catch (Exception exception)
#pragma warning restore CA1031
            {
                logger.DatagramFailed(exception, datagram.Peer.EndPoint);
            }
        }
    }

    /// <summary>
    /// Sends <paramref name="request"/> as CON, retransmitting until acknowledged, and returns the response (piggybacked
    /// or separate). Throws <see cref="CoapTimeoutException"/> or <see cref="CoapResetException"/>.
    /// </summary>
    public Task<CoapMessage> SendAsync(CoapPeer peer, CoapMessage request, CancellationToken cancellationToken) =>
        SendWholeAsync(peer, request, observe: false, cancellationToken);

    /// <summary>
    /// Sends <paramref name="request"/> (a GET) with Observe 0 like <see cref="SendAsync"/>; if the response carries
    /// Observe, later messages with its token go to <see cref="ICoapHandler.HandleNotificationAsync"/>.
    /// </summary>
    public Task<CoapMessage> ObserveAsync(CoapPeer peer, CoapMessage request, CancellationToken cancellationToken)
    {
        request.Remove(CoapOptionNumber.Observe).Add(CoapOptionNumber.Observe, 0u);
        return SendWholeAsync(peer, request, observe: true, cancellationToken);
    }

    /// <summary>Forgets the observations of <paramref name="peer"/>: their later notifications are reset.</summary>
    public void ForgetObservations(CoapPeer peer)
    {
        foreach (var key in _observations.Keys)
        {
            if (key.Peer == peer)
            {
                _observations.TryRemove(key, out _);
            }
        }
    }

    private async ValueTask ProcessAsync(Datagram datagram)
    {
        var peer = datagram.Peer;
        CoapMessage message;
        try
        {
            message = CoapMessage.Parse(datagram.Bytes);
        }
        catch (CoapFormatException exception)
        {
            logger.MalformedDatagram(peer.EndPoint, exception.Message);
            if (exception.HeaderRead && exception.Type == CoapType.Confirmable)
            {
                await SendRawAsync(peer, CoapMessage.EmptyBytes(CoapType.Reset, exception.MessageId));
            }

            return;
        }

        if (message.Code == CoapCode.Empty)
        {
            switch (message.Type)
            {
                case CoapType.Confirmable:
                    await SendRawAsync(peer, CoapMessage.EmptyBytes(CoapType.Reset, message.MessageId));
                    break;
                case CoapType.Acknowledgement:
                    if (_exchangesById.TryGetValue(new MessageKey(peer, message.MessageId), out var acknowledged))
                    {
                        acknowledged.Acknowledged.TrySetResult();
                    }

                    break;
                case CoapType.Reset:
                    if (_exchangesById.TryGetValue(new MessageKey(peer, message.MessageId), out var reset))
                    {
                        reset.Response.TrySetException(new CoapResetException($"{peer.EndPoint} reset message {message.MessageId}."));
                        reset.Acknowledged.TrySetResult();
                    }

                    break;
            }

            return;
        }

        if (message.Code.IsRequest)
        {
            if (message.Type is CoapType.Confirmable or CoapType.NonConfirmable)
            {
                await ReceiveRequestAsync(peer, message);
            }

            return;
        }

        if (message.Code.Class is not (2 or 4 or 5))
        {
            if (message.Type == CoapType.Confirmable)
            {
                await SendRawAsync(peer, CoapMessage.EmptyBytes(CoapType.Reset, message.MessageId));
            }

            return;
        }

        switch (message.Type)
        {
            case CoapType.Acknowledgement:
                if (_exchangesById.TryGetValue(new MessageKey(peer, message.MessageId), out var exchange)
                    && exchange.Token.Matches(message.Token.Span))
                {
                    Complete(exchange, message);
                }

                break;
            case CoapType.Confirmable or CoapType.NonConfirmable:
                await ReceiveResponseAsync(peer, message);
                break;
        }
    }

    /// <summary>
    /// Whether <paramref name="key"/> was seen already: a duplicate still being handled is ignored, one already answered
    /// gets the same answer again (RFC 7252 §4.5).
    /// </summary>
    private async ValueTask<bool> AnsweredAgainAsync(CoapPeer peer, MessageKey key)
    {
        if (_deduplication.Find(key) is not { } seen)
        {
            return false;
        }
        if (seen.Response is { } answered)
        {
            await SendRawAsync(peer, answered);
        }
        return true;
    }

    private async ValueTask ReceiveRequestAsync(CoapPeer peer, CoapMessage request)
    {
        var key = new MessageKey(peer, request.MessageId);
        if (await AnsweredAgainAsync(peer, key))
        {
            return;
        }

        if (FirstUnknownCriticalOption(request) is { } unknown)
        {
            var badOption = request.CreateResponse(CoapCode.BadOption);
            badOption.Payload = System.Text.Encoding.UTF8.GetBytes($"Unknown critical option {unknown}.");
            await AnswerAsync(peer, request, badOption);
            return;
        }

        TransferKey? completedUpload = null;
        BlockOption? lastBlock = null;
        if (request.Has(CoapOptionNumber.Block1))
        {
            var (immediate, whole) = ReceiveBlock(peer, request);
            if (immediate is not null)
            {
                await AnswerAsync(peer, request, immediate);
                return;
            }

            completedUpload = new TransferKey(peer, request.Path);
            lastBlock = request.Block1;
            request = whole!;
        }
        else if (request.Payload.Length > options.MaxBodySize)
        {
            await AnswerAsync(peer, request, TooLarge(request));
            return;
        }

        if (request.Has(CoapOptionNumber.Block2))
        {
            if (request.Block2 is not { } wanted)
            {
                await AnswerAsync(peer, request, request.CreateResponse(CoapCode.BadOption));
                return;
            }

            if (wanted.Number > 0 && _downloads.TryGet(new TransferKey(peer, request.Path), out var kept))
            {
                await AnswerAsync(peer, request, Slice(request, kept, wanted));
                return;
            }
        }

        if (!TryBeginHandling(peer))
        {
            return;
        }

        if (Interlocked.Increment(ref _active) > options.MaxConcurrentRequests)
        {
            EndHandling(peer);
            if (request.Type == CoapType.Confirmable)
            {
                var unavailable = request.CreateResponse(CoapCode.ServiceUnavailable).Add(CoapOptionNumber.MaxAge, 1u);
                await AnswerAsync(peer, request, unavailable);
            }

            return;
        }

        if (completedUpload is { } upload)
        {
            _uploads.Remove(upload);
        }

        var entry = _deduplication.Add(key);
        _ = Task.Run(() => HandleRequestAsync(peer, request, lastBlock, entry));
    }

    private async Task HandleRequestAsync(CoapPeer peer, CoapMessage request, BlockOption? lastBlock, MessageDeduplicator.Entry entry)
    {
        try
        {
            CoapMessage response;
            try
            {
                response = await handler.HandleRequestAsync(peer, request, _stopping);
            }
            catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
            {
                _deduplication.Remove(entry);
                return;
            }
#pragma warning disable CA1031 // A failing handler is answered with 5.00, not left unanswered.
            catch (Exception exception)
#pragma warning restore CA1031
            {
                logger.HandlerFailed(exception, peer.EndPoint, request.Code, request.Path);
                response = request.CreateResponse(CoapCode.InternalServerError);
            }

            response = ShapeResponse(peer, request, lastBlock, response);
            var bytes = Prepare(request, response);
            _deduplication.Complete(entry, bytes);
            await channel.SendAsync(peer, bytes, _stopping);
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
        }
#pragma warning disable CA1031 // Nothing is awaiting this task: a failure is logged here or lost.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            logger.HandlerFailed(exception, peer.EndPoint, request.Code, request.Path);
        }
        finally
        {
            EndHandling(peer);
        }
    }

    /// <summary>Echoes the Block1 of an upload and splits a response larger than the block size asked for.</summary>
    private CoapMessage ShapeResponse(CoapPeer peer, CoapMessage request, BlockOption? lastBlock, CoapMessage response)
    {
        if (lastBlock is { } block1)
        {
            response.Remove(CoapOptionNumber.Block1).Add(CoapOptionNumber.Block1, block1.ToValue());
        }

        if (response.Has(CoapOptionNumber.Block2))
        {
            return response;
        }

        var wanted = request.Block2 ?? new BlockOption(0, false, BlockOption.ExponentFor(MaxBlockSize));
        if (wanted.Size > MaxBlockSize)
        {
            wanted = wanted with { SizeExponent = BlockOption.ExponentFor(MaxBlockSize) };
        }

        if (response.Payload.Length <= wanted.Size && wanted.Number == 0)
        {
            return response;
        }

        if (response.Payload.Length > wanted.Offset + wanted.Size)
        {
            _downloads.Set(new TransferKey(peer, request.Path), response);
        }

        return Slice(request, response, wanted);
    }

    private static CoapMessage Slice(CoapMessage request, CoapMessage whole, BlockOption wanted)
    {
        if (wanted.Size > MaxBlockSize)
        {
            wanted = wanted with { SizeExponent = BlockOption.ExponentFor(MaxBlockSize) };
        }

        var length = whole.Payload.Length;
        if (wanted.Offset >= length && !(length == 0 && wanted.Number == 0))
        {
            return request.CreateResponse(CoapCode.BadOption);
        }

        var size = Math.Min(wanted.Size, length - wanted.Offset);
        var more = wanted.Offset + size < length;
        var block = new CoapMessage { Code = whole.Code, Payload = whole.Payload.Slice(wanted.Offset, size) };
        foreach (var option in whole.Options)
        {
            if (option.Number is not (CoapOptionNumber.Block2 or CoapOptionNumber.Size2))
            {
                block.Options.Add(option);
            }
        }

        block.Add(CoapOptionNumber.Block2, new BlockOption(wanted.Number, more, wanted.SizeExponent).ToValue());
        if (wanted.Number == 0)
        {
            block.Add(CoapOptionNumber.Size2, (uint)length);
        }

        return block;
    }

    /// <summary>Takes one Block1 block: the answer to give now, or the whole request when this was the last block.</summary>
    private (CoapMessage? Immediate, CoapMessage? Whole) ReceiveBlock(CoapPeer peer, CoapMessage request)
    {
        if (request.Block1 is not { } block)
        {
            return (request.CreateResponse(CoapCode.BadOption), null);
        }

        var key = new TransferKey(peer, request.Path);
        if (request.GetUInt(CoapOptionNumber.Size1) > (uint)options.MaxBodySize)
        {
            _uploads.Remove(key);
            return (TooLarge(request), null);
        }

        BlockUpload? upload;
        if (block.Number == 0)
        {
            upload = new BlockUpload();
            _uploads.Set(key, upload);
        }
        else if (!_uploads.TryGet(key, out upload) || upload.Length != block.Offset)
        {
            return (request.CreateResponse(CoapCode.RequestEntityIncomplete), null);
        }

        if (block.More && request.Payload.Length != block.Size)
        {
            _uploads.Remove(key);
            return (request.CreateResponse(CoapCode.BadRequest), null);
        }

        if (upload.Length + request.Payload.Length > options.MaxBodySize)
        {
            _uploads.Remove(key);
            return (TooLarge(request), null);
        }

        if (block.More)
        {
            upload.Append(request.Payload.Span);
            var next = request.CreateResponse(CoapCode.Continue).Add(CoapOptionNumber.Block1, block.ToValue());
            return (next, null);
        }

        var whole = request.Clone().Remove(CoapOptionNumber.Block1).Remove(CoapOptionNumber.Size1);
        whole.Payload = upload.Complete(request.Payload.Span);
        return (null, whole);
    }

    private CoapMessage TooLarge(CoapMessage request) =>
        request.CreateResponse(CoapCode.RequestEntityTooLarge).Add(CoapOptionNumber.Size1, (uint)options.MaxBodySize);

    private static ushort? FirstUnknownCriticalOption(CoapMessage request)
    {
        foreach (var option in request.Options)
        {
            if (option.IsCritical && !IsKnown(option.Number))
            {
                return option.Number;
            }
        }

        return null;
    }

    private static bool IsKnown(ushort number) => number switch
    {
        CoapOptionNumber.IfMatch or CoapOptionNumber.UriHost or CoapOptionNumber.ETag or CoapOptionNumber.IfNoneMatch
            or CoapOptionNumber.Observe or CoapOptionNumber.UriPort or CoapOptionNumber.LocationPath or CoapOptionNumber.UriPath
            or CoapOptionNumber.ContentFormat or CoapOptionNumber.MaxAge or CoapOptionNumber.UriQuery or CoapOptionNumber.Accept
            or CoapOptionNumber.LocationQuery or CoapOptionNumber.Block2 or CoapOptionNumber.Block1 or CoapOptionNumber.Size2
            or CoapOptionNumber.ProxyUri or CoapOptionNumber.ProxyScheme or CoapOptionNumber.Size1 => true,
        _ => false,
    };

    /// <summary>Answers a request at once (not through the handler) and remembers the answer for its duplicates.</summary>
    private ValueTask AnswerAsync(CoapPeer peer, CoapMessage request, CoapMessage response)
    {
        var bytes = Prepare(request, response);
        _deduplication.Add(new MessageKey(peer, request.MessageId), bytes);
        return SendRawAsync(peer, bytes);
    }

    private byte[] Prepare(CoapMessage request, CoapMessage response)
    {
        var confirmable = request.Type == CoapType.Confirmable;
        response.Type = confirmable ? CoapType.Acknowledgement : CoapType.NonConfirmable;
        response.MessageId = confirmable ? request.MessageId : NextMessageId();
        response.Token = request.Token;
        return response.ToBytes();
    }

    private bool TryBeginHandling(CoapPeer peer)
    {
        lock (_activityLock)
        {
            _activePerPeer.TryGetValue(peer, out var count);
            if (count >= options.MaxConcurrentRequestsPerPeer)
            {
                return false;
            }

            _activePerPeer[peer] = count + 1;
            return true;
        }
    }

    private void EndHandling(CoapPeer peer)
    {
        Interlocked.Decrement(ref _active);
        lock (_activityLock)
        {
            if (_activePerPeer.TryGetValue(peer, out var count))
            {
                if (count <= 1)
                {
                    _activePerPeer.Remove(peer);
                }
                else
                {
                    _activePerPeer[peer] = count - 1;
                }
            }
        }
    }

    private async ValueTask ReceiveResponseAsync(CoapPeer peer, CoapMessage message)
    {
        var key = new MessageKey(peer, message.MessageId);
        if (await AnsweredAgainAsync(peer, key))
        {
            return;
        }

        var token = TokenKey.From(peer, message.Token.Span);
        if (_exchangesByToken.TryGetValue(token, out var exchange))
        {
            if (message.Type == CoapType.Confirmable)
            {
                await AnswerEmptyAsync(peer, message, CoapType.Acknowledgement);
            }

            Complete(exchange, message);
            return;
        }

        if (!_observations.TryGetValue(token, out var observation))
        {
            await AnswerEmptyAsync(peer, message, CoapType.Reset);
            return;
        }

        var now = time.GetTimestamp();
        if (message.Observe is { } sequence && !observation.TryAdvance(sequence, now, time))
        {
            if (message.Type == CoapType.Confirmable)
            {
                await AnswerEmptyAsync(peer, message, CoapType.Acknowledgement);
            }

            return;
        }

        if (!TryBeginHandling(peer))
        {
            return;
        }

        if (Interlocked.Increment(ref _active) > options.MaxConcurrentRequests)
        {
            EndHandling(peer);
            return;
        }

        var entry = _deduplication.Add(key);
        _ = Task.Run(() => HandleNotificationAsync(peer, message, token, entry));
    }

    private async Task HandleNotificationAsync(CoapPeer peer, CoapMessage notification, TokenKey token, MessageDeduplicator.Entry entry)
    {
        try
        {
            bool keep;
            try
            {
                keep = await handler.HandleNotificationAsync(peer, notification, _stopping);
            }
            catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
            {
                _deduplication.Remove(entry);
                return;
            }
#pragma warning disable CA1031 // A failing handler must not leave the peer retransmitting forever.
            catch (Exception exception)
#pragma warning restore CA1031
            {
                logger.NotificationFailed(exception, peer.EndPoint);
                keep = true;
            }

            var ended = notification.Observe is null || !notification.Code.IsSuccess;
            if (!keep || ended)
            {
                _observations.TryRemove(token, out _);
            }

            if (notification.Type == CoapType.Confirmable || !keep)
            {
                var bytes = CoapMessage.EmptyBytes(keep ? CoapType.Acknowledgement : CoapType.Reset, notification.MessageId);
                _deduplication.Complete(entry, bytes);
                await channel.SendAsync(peer, bytes, _stopping);
            }
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
        }
#pragma warning disable CA1031 // Nothing is awaiting this task: a failure is logged here or lost.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            logger.NotificationFailed(exception, peer.EndPoint);
        }
        finally
        {
            EndHandling(peer);
        }
    }

    private ValueTask AnswerEmptyAsync(CoapPeer peer, CoapMessage message, CoapType type)
    {
        var bytes = CoapMessage.EmptyBytes(type, message.MessageId);
        if (message.Type == CoapType.Confirmable)
        {
            _deduplication.Add(new MessageKey(peer, message.MessageId), bytes);
        }

        return SendRawAsync(peer, bytes);
    }

    private void Complete(Exchange exchange, CoapMessage response)
    {
        if (exchange.Observe && response.Code.IsSuccess && response.Observe is { } sequence)
        {
            _observations[exchange.Token] = new Observation(sequence, time.GetTimestamp());
        }

        // Later messages with this token are notifications, not this exchange's response.
        _exchangesByToken.TryRemove(exchange.Token, out _);
        exchange.Response.TrySetResult(response);
        exchange.Acknowledged.TrySetResult();
    }

    private async Task<CoapMessage> SendWholeAsync(CoapPeer peer, CoapMessage request, bool observe, CancellationToken cancellationToken)
    {
        var response = await ExchangeAsync(peer, request, observe, cancellationToken);
        if (response.Block2 is not { More: true } block)
        {
            return response;
        }

        var body = new ArrayBufferWriter<byte>();
        body.Write(response.Payload.Span);
        while (block.More)
        {
            if (body.WrittenCount != block.Offset + block.Size || block.Number >= BlockOption.MaxNumber)
            {
                throw new CoapFormatException($"{peer.EndPoint} sent block {block.Number} of {request.Path} out of order.");
            }

            var next = new CoapMessage { Code = CoapCode.Get };
            foreach (var option in request.Options)
            {
                if (option.Number is not (CoapOptionNumber.Observe or CoapOptionNumber.Block1 or CoapOptionNumber.Block2
                    or CoapOptionNumber.ContentFormat or CoapOptionNumber.Size1))
                {
                    next.Options.Add(option);
                }
            }

            next.Add(CoapOptionNumber.Block2, new BlockOption(block.Number + 1, false, block.SizeExponent).ToValue());
            var part = await ExchangeAsync(peer, next, observe: false, cancellationToken);
            if (!part.Code.IsSuccess || part.Block2 is not { } partBlock)
            {
                return part;
            }

            if (partBlock.Offset != body.WrittenCount)
            {
                throw new CoapFormatException($"{peer.EndPoint} sent block {partBlock.Number} of {request.Path} out of order.");
            }

            body.Write(part.Payload.Span);
            block = partBlock;
        }

        response.Payload = body.WrittenMemory;
        response.Remove(CoapOptionNumber.Block2);
        return response;
    }

    private async Task<CoapMessage> ExchangeAsync(CoapPeer peer, CoapMessage request, bool observe, CancellationToken cancellationToken)
    {
        request.Type = CoapType.Confirmable;
        Exchange exchange;
        MessageKey idKey;
        while (true)
        {
            request.MessageId = NextMessageId();
            request.Token = NewToken();
            idKey = new MessageKey(peer, request.MessageId);
            var tokenKey = TokenKey.From(peer, request.Token.Span);
            if (_observations.ContainsKey(tokenKey))
            {
                continue;
            }

            exchange = new Exchange(tokenKey, observe);
            if (!_exchangesByToken.TryAdd(tokenKey, exchange))
            {
                continue;
            }

            if (_exchangesById.TryAdd(idKey, exchange))
            {
                break;
            }

            _exchangesByToken.TryRemove(tokenKey, out _);
        }

        try
        {
            var bytes = request.ToBytes();
            var timeout = options.AckTimeout * (1 + (Random.Shared.NextDouble() * (options.AckRandomFactor - 1)));
            using (var timers = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
            {
                for (var attempt = 0; ; attempt++)
                {
                    // The timer starts before the datagram leaves, so whoever sees it sent can rely on the timer running.
                    var expiry = Task.Delay(timeout, time, timers.Token);
                    await channel.SendAsync(peer, bytes, cancellationToken);
                    if (await Task.WhenAny(exchange.Acknowledged.Task, expiry) != expiry)
                    {
                        break;
                    }

                    cancellationToken.ThrowIfCancellationRequested();
                    if (attempt == options.MaxRetransmit)
                    {
                        throw new CoapTimeoutException($"{peer.EndPoint} did not acknowledge {request.Code} {request.Path}.");
                    }

                    timeout *= 2;
                }

                await timers.CancelAsync();
            }

            if (!exchange.Response.Task.IsCompleted)
            {
                using var timers = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                var expiry = Task.Delay(options.ExchangeLifetime, time, timers.Token);
                if (await Task.WhenAny(exchange.Response.Task, expiry) == expiry)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    throw new CoapTimeoutException($"{peer.EndPoint} acknowledged {request.Code} {request.Path} but never answered.");
                }

                await timers.CancelAsync();
            }

            return await exchange.Response.Task;
        }
        finally
        {
            _exchangesById.TryRemove(idKey, out _);
            _exchangesByToken.TryRemove(exchange.Token, out _);
        }
    }

    private ushort NextMessageId() => (ushort)Interlocked.Increment(ref _nextMessageId);

    private static byte[] NewToken()
    {
        var token = new byte[RandomNumberGenerator.GetInt32(4, 9)];
        RandomNumberGenerator.Fill(token);
        return token;
    }

    private ValueTask SendRawAsync(CoapPeer peer, byte[] bytes) => channel.SendAsync(peer, bytes, _stopping);

    /// <summary>Where a block-wise transfer belongs: the peer and the resource.</summary>
    private readonly record struct TransferKey(CoapPeer Peer, string Path);

    /// <summary>A request of this endpoint waiting for its acknowledgement and response.</summary>
    private sealed class Exchange(TokenKey token, bool observe)
    {
        public TokenKey Token { get; } = token;
        public bool Observe { get; } = observe;
        public TaskCompletionSource Acknowledged { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public TaskCompletionSource<CoapMessage> Response { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    /// <summary>An observation this endpoint started, with the newest notification seen (RFC 7641 §3.4).</summary>
    private sealed class Observation(uint sequence, long receivedAt)
    {
        private readonly Lock _lock = new();
        private uint _sequence = sequence;
        private long _receivedAt = receivedAt;

        /// <summary>Takes <paramref name="sequence"/> if it is newer than the newest seen; false for a stale one.</summary>
        public bool TryAdvance(uint sequence, long now, TimeProvider time)
        {
            lock (_lock)
            {
                var fresher = (_sequence < sequence && sequence - _sequence < ObserveWindow)
                    || (_sequence > sequence && _sequence - sequence > ObserveWindow)
                    || time.GetElapsedTime(_receivedAt, now) > ObserveFreshness;
                if (fresher)
                {
                    _sequence = sequence;
                    _receivedAt = now;
                }

                return fresher;
            }
        }
    }

    /// <summary>A Block1 upload being put together.</summary>
    private sealed class BlockUpload
    {
        private readonly ArrayBufferWriter<byte> _body = new();

        public int Length => _body.WrittenCount;

        public void Append(ReadOnlySpan<byte> block) => _body.Write(block);

        /// <summary>The whole body with <paramref name="last"/> at its end; the upload itself is left as it was.</summary>
        public byte[] Complete(ReadOnlySpan<byte> last)
        {
            var whole = new byte[_body.WrittenCount + last.Length];
            _body.WrittenSpan.CopyTo(whole);
            last.CopyTo(whole.AsSpan(_body.WrittenCount));
            return whole;
        }
    }
}

/// <summary>A token from one peer, packed into a number so that it can key a dictionary without allocating.</summary>
internal readonly record struct TokenKey(CoapPeer Peer, ulong Token, int Length)
{
    public static TokenKey From(CoapPeer peer, ReadOnlySpan<byte> token)
    {
        ulong packed = 0;
        foreach (var b in token)
        {
            packed = (packed << 8) | b;
        }

        return new TokenKey(peer, packed, token.Length);
    }

    public bool Matches(ReadOnlySpan<byte> token) => From(Peer, token) == this;
}

/// <summary>What a <see cref="CoapEndpoint"/> logs.</summary>
internal static partial class CoapEndpointLog
{
    [LoggerMessage(Level = LogLevel.Debug, Message = "Malformed datagram from {Peer}: {Reason}")]
    public static partial void MalformedDatagram(this ILogger logger, IPEndPoint peer, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Handling {Code} /{Path} from {Peer} failed")]
    public static partial void HandlerFailed(this ILogger logger, Exception exception, IPEndPoint peer, CoapCode code, string path);

    [LoggerMessage(Level = LogLevel.Error, Message = "Handling a notification from {Peer} failed")]
    public static partial void NotificationFailed(this ILogger logger, Exception exception, IPEndPoint peer);

    [LoggerMessage(Level = LogLevel.Warning, Message = "A datagram from {Peer} failed")]
    public static partial void DatagramFailed(this ILogger logger, Exception exception, IPEndPoint peer);
}
