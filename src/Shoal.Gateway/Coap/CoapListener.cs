using System.Net;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Shoal.Coap.Dtls;
using Shoal.Coap.Lwm2m;
using Shoal.Coap.Protocol;
using Shoal.Coap.Transport;

namespace Shoal.Gateway.Coap;

/// <summary>
/// The CoAP and CoAP-over-DTLS listeners of the device access address, serving LwM2M, and the scan that ends the
/// registrations whose lifetime ran out.
/// </summary>
internal sealed partial class CoapListener(
    Lwm2mServer server, CoapDevices devices, IOptions<Lwm2mOptions> coap, IOptions<GatewayOptions> gateway, TimeProvider time,
    ILoggerFactory loggers) : BackgroundService
{
    private readonly List<CoapEndpoint> _endpoints = [];
    private readonly ILogger _logger = loggers.CreateLogger<CoapListener>();

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        var settings = coap.Value;
        var address = gateway.Value.HostAddresses is [var first, ..] ? first : IPAddress.IPv6Any;
        devices.Server = server;
        if (settings.Port != 0)
        {
            server.Plain = Endpoint(new UdpChannel(new IPEndPoint(address, settings.Port)));
        }
        if (settings.DtlsPort != 0)
        {
            var channel = new DtlsPskChannel(
                new IPEndPoint(address, settings.DtlsPort), devices.PskAsync, new DtlsOptions(), TimeProvider.System, loggers.CreateLogger<DtlsPskChannel>());
            server.Secure = Endpoint(channel);
        }
        foreach (var endpoint in _endpoints)
        {
            LogListening(_logger, endpoint.Channel == server.Secure?.Channel ? "CoAP over DTLS" : "CoAP", endpoint.Channel.LocalEndPoint);
        }
        return base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (_endpoints.Count == 0)
        {
            return;
        }
        var running = _endpoints.Select(e => e.RunAsync(stoppingToken)).ToList();
        running.Add(ExpireAsync(stoppingToken));
        try
        {
            await Task.WhenAll(running);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        foreach (var endpoint in _endpoints)
        {
            await endpoint.Channel.DisposeAsync();
        }
    }

    private CoapEndpoint Endpoint(IDatagramChannel channel)
    {
        // Retransmission, deduplication and DTLS idle timers are the transport's own: they run on the system clock
        // whatever clock registrations and commands are measured on.
        var endpoint = new CoapEndpoint(
            channel, new CoapEndpointOptions { MaxBodySize = coap.Value.MaxBodySize }, server, TimeProvider.System, loggers.CreateLogger<CoapEndpoint>());
        _endpoints.Add(endpoint);
        return endpoint;
    }

    private async Task ExpireAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(coap.Value.ExpiryScan, time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await server.ExpireAsync(stoppingToken);
            }
            catch (Exception error) when (error is not OperationCanceledException)
            {
                LogExpiryFailed(_logger, error);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "{Protocol} device access listening on {Address}.")]
    private static partial void LogListening(ILogger logger, string protocol, IPEndPoint address);

    [LoggerMessage(Level = LogLevel.Error, Message = "Ending expired LwM2M registrations failed; the next scan tries again.")]
    private static partial void LogExpiryFailed(ILogger logger, Exception error);
}
