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
    private readonly object _unwritten = (options, handler, time, logger);

    public IDatagramChannel Channel => channel;

    /// <summary>Reads and answers datagrams until cancelled.</summary>
    public Task RunAsync(CancellationToken cancellationToken) => throw new NotImplementedException();

    /// <summary>
    /// Sends <paramref name="request"/> as CON, retransmitting until acknowledged, and returns the response (piggybacked
    /// or separate). Throws <see cref="CoapTimeoutException"/> or <see cref="CoapResetException"/>.
    /// </summary>
    public Task<CoapMessage> SendAsync(CoapPeer peer, CoapMessage request, CancellationToken cancellationToken) => throw new NotImplementedException();

    /// <summary>
    /// Sends <paramref name="request"/> (a GET) with Observe 0 like <see cref="SendAsync"/>; if the response carries
    /// Observe, later messages with its token go to <see cref="ICoapHandler.HandleNotificationAsync"/>.
    /// </summary>
    public Task<CoapMessage> ObserveAsync(CoapPeer peer, CoapMessage request, CancellationToken cancellationToken) => throw new NotImplementedException();

    /// <summary>Forgets the observations of <paramref name="peer"/>: their later notifications are reset.</summary>
    public void ForgetObservations(CoapPeer peer) => throw new NotImplementedException();
}
