using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Shoal.Coap.Protocol;
using Shoal.Coap.Transport;

namespace Shoal.Coap.Lwm2m;

/// <summary>
/// The LwM2M server side of Shoal (registration interface, object 19 up and down): it registers clients by endpoint
/// name, observes their <c>/19/0/0</c>, takes LwM2M Send on <c>/dp</c>, writes commands to <c>/19/1/0</c> and ends
/// registrations whose lifetime runs out. Over DTLS the PSK identity must be the endpoint name it registers.
/// </summary>
internal sealed partial class Lwm2mServer(ILwm2mDevices devices, IOptions<Lwm2mOptions> options, TimeProvider time, ILogger<Lwm2mServer> logger)
    : ICoapHandler
{
    public const string DataPath = "19/0/0";
    public const string CommandPath = "19/1/0";
    private const int LocationBytes = 6;

    private readonly ConcurrentDictionary<string, Lwm2mRegistration> _byLocation = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Lwm2mRegistration> _byDevice = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<CoapPeer, Lwm2mRegistration> _byPeer = new();
    private readonly ConcurrentDictionary<string, Lwm2mRegistration> _byName = new(StringComparer.Ordinal);
    private readonly RegistrationRate _rate = new(options.Value.RegistrationsPerMinute, time);

    /// <summary>The endpoint plain clients are reached through; set once it is listening.</summary>
    public CoapEndpoint? Plain { get; set; }

    /// <summary>The endpoint DTLS clients are reached through; set once it is listening.</summary>
    public CoapEndpoint? Secure { get; set; }

    public Lwm2mRegistration? Find(string deviceId) => _byDevice.GetValueOrDefault(deviceId);

    public async Task<CoapMessage> HandleRequestAsync(CoapPeer peer, CoapMessage request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(peer);
        ArgumentNullException.ThrowIfNull(request);
        var segments = request.PathSegments;
        return (segments.Count, segments.Count > 0 ? segments[0] : "") switch
        {
            (1, "rd") when request.Code == CoapCode.Post => await RegisterAsync(peer, request, cancellationToken),
            (2, "rd") when request.Code == CoapCode.Post => Update(peer, request, segments[1]),
            (2, "rd") when request.Code == CoapCode.Delete => await DeregisterAsync(peer, request, segments[1], cancellationToken),
            (1 or 2, "rd") => Refuse(request, CoapCode.MethodNotAllowed, "The registration interface takes POST /rd, POST /rd/{id} and DELETE /rd/{id}."),
            (1, "dp") when request.Code == CoapCode.Post => await SendAsync(peer, request, cancellationToken),
            (1, "dp") => Refuse(request, CoapCode.MethodNotAllowed, "LwM2M Send is POST /dp."),
            _ => Refuse(request, CoapCode.NotFound, "Shoal serves /rd and /dp."),
        };
    }

    public async Task<bool> HandleNotificationAsync(CoapPeer peer, CoapMessage notification, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(notification);
        if (Of(peer) is not { } registration)
        {
            return false;
        }
        if (!notification.Code.IsSuccess)
        {
            LogObservationEnded(logger, registration.Device.DeviceId, notification.Code);
            registration.ObservedPeer = null;
            return false;
        }
        Touch(registration, peer);
        await devices.ReportAsync(registration, "/" + DataPath, notification.Payload, notification.ContentFormat, cancellationToken);
        return true;
    }

    /// <summary>
    /// Writes <paramref name="payload"/> to the client's <c>/19/1/0</c> as a CON PUT and returns the client's response
    /// code; throws <see cref="CoapTimeoutException"/> or <see cref="CoapResetException"/> when it never answers.
    /// </summary>
    public async Task<CoapCode> WriteCommandAsync(Lwm2mRegistration registration, ReadOnlyMemory<byte> payload, int contentFormat, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(registration);
        var endpoint = EndpointOf(registration.Peer) ?? throw new InvalidOperationException("The client's listener is not running.");
        var write = CoapMessage.Request(CoapCode.Put, CommandPath);
        write.Add(CoapOptionNumber.ContentFormat, (uint)contentFormat);
        write.Payload = payload;
        var response = await endpoint.SendAsync(registration.Peer, write, cancellationToken);
        return response.Code;
    }

    /// <summary>Ends the registrations whose lifetime has run out; the devices go offline.</summary>
    public async Task ExpireAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        foreach (var registration in _byDevice.Values)
        {
            if (registration.ExpiresAt <= now && Remove(registration))
            {
                LogExpired(logger, registration.Device.DeviceId, registration.EndpointName);
                await devices.DeregisteredAsync(registration, lapsed: true, cancellationToken);
            }
        }
        _rate.Forget();
    }

    private async Task<CoapMessage> RegisterAsync(CoapPeer peer, CoapMessage request, CancellationToken cancellationToken)
    {
        if (!_rate.TryTake(peer.EndPoint.Address))
        {
            return Refuse(request, CoapCode.TooManyRequests, "Too many registrations from this address; try again in a minute.");
        }
        var query = Query(request);
        if (!query.TryGetValue("ep", out var endpointName) || endpointName.Length is 0 or > 64)
        {
            return Refuse(request, CoapCode.BadRequest, "The registration needs ep={node ID} (1 to 64 characters).");
        }
        if (peer.Identity is { } identity && identity != endpointName)
        {
            return Refuse(request, CoapCode.Forbidden, "The endpoint name is not the DTLS PSK identity.");
        }
        if (ReadLifetime(query) is not { } lifetime)
        {
            return Refuse(request, CoapCode.BadRequest, "lt must be a whole number of seconds.");
        }
        if (ReadBinding(query) is not { } queueMode)
        {
            return Refuse(request, CoapCode.BadRequest, "b must be made of the binding letters U, Q, S, T and N.");
        }
        if (ReadsData(request) is not { } reportsData)
        {
            return Refuse(request, CoapCode.BadRequest, "The body is not CoRE link format.");
        }
        var device = await devices.FindAsync(endpointName, cancellationToken);
        if (device is null)
        {
            LogRefused(logger, endpointName, peer.EndPoint);
            return Refuse(request, CoapCode.Forbidden, "No device may register with this endpoint name.");
        }

        var now = time.GetUtcNow();
        var registration = new Lwm2mRegistration(NewLocation(), endpointName, device, peer)
        {
            Lifetime = lifetime, ExpiresAt = now + lifetime, QueueMode = queueMode, AwakeUntil = now + options.Value.QueueWindow,
            ReportsData = reportsData,
        };
        var replaced = _byDevice.GetValueOrDefault(device.DeviceId);
        await devices.RegisteredAsync(registration, cancellationToken);
        if (replaced is not null)
        {
            Remove(replaced);
        }
        if (_byPeer.TryGetValue(peer, out var samePeer))
        {
            Remove(samePeer);
        }
        _byLocation[registration.Location] = registration;
        _byDevice[device.DeviceId] = registration;
        _byPeer[peer] = registration;
        _byName[endpointName] = registration;
        LogRegistered(logger, device.DeviceId, endpointName, peer.EndPoint, (int)lifetime.TotalSeconds, queueMode);
        if (reportsData)
        {
            _ = ObserveSoonAsync(registration);
        }
        var created = request.CreateResponse(CoapCode.Created);
        created.Add(CoapOptionNumber.LocationPath, "rd").Add(CoapOptionNumber.LocationPath, registration.Location);
        return created;
    }

    private CoapMessage Update(CoapPeer peer, CoapMessage request, string location)
    {
        if (!_byLocation.TryGetValue(location, out var registration) || !SameClient(registration, peer))
        {
            return Refuse(request, CoapCode.NotFound, "No such registration: register again.");
        }
        var query = Query(request);
        if (query.ContainsKey("lt"))
        {
            if (ReadLifetime(query) is not { } lifetime)
            {
                return Refuse(request, CoapCode.BadRequest, "lt must be a whole number of seconds.");
            }
            registration.Lifetime = lifetime;
        }
        if (query.ContainsKey("b") || query.ContainsKey("Q"))
        {
            if (ReadBinding(query) is not { } queueMode)
            {
                return Refuse(request, CoapCode.BadRequest, "b must be made of the binding letters U, Q, S, T and N.");
            }
            registration.QueueMode = queueMode;
        }
        registration.ExpiresAt = time.GetUtcNow() + registration.Lifetime;
        Touch(registration, peer);
        return request.CreateResponse(CoapCode.Changed);
    }

    private async Task<CoapMessage> DeregisterAsync(CoapPeer peer, CoapMessage request, string location, CancellationToken cancellationToken)
    {
        if (!_byLocation.TryGetValue(location, out var registration) || !SameClient(registration, peer))
        {
            return Refuse(request, CoapCode.NotFound, "No such registration.");
        }
        if (Remove(registration))
        {
            await devices.DeregisteredAsync(registration, lapsed: false, cancellationToken);
        }
        return request.CreateResponse(CoapCode.Deleted);
    }

    /// <summary>LwM2M Send: the client reports on its own, without an observation.</summary>
    private async Task<CoapMessage> SendAsync(CoapPeer peer, CoapMessage request, CancellationToken cancellationToken)
    {
        if (Of(peer) is not { } registration)
        {
            return Refuse(request, CoapCode.Unauthorized, "Register first: this address holds no registration.");
        }
        Touch(registration, peer);
        await devices.ReportAsync(registration, "/dp", request.Payload, request.ContentFormat, cancellationToken);
        return request.CreateResponse(CoapCode.Changed);
    }

    /// <summary>
    /// Starts observing the client's data once it has had the moment to read its 2.01: a client may ignore requests
    /// that arrive before it knows it is registered.
    /// </summary>
    private async Task ObserveSoonAsync(Lwm2mRegistration registration)
    {
        try
        {
            await Task.Delay(TimeSpan.FromMilliseconds(50), CancellationToken.None);
            if (EndpointOf(registration.Peer) is not { } endpoint || Find(registration.Device.DeviceId) != registration)
            {
                return;
            }
            var response = await endpoint.ObserveAsync(registration.Peer, CoapMessage.Request(CoapCode.Get, DataPath), CancellationToken.None);
            registration.ObservedPeer = response.Code.IsSuccess && response.Observe is not null ? registration.Peer : null;
            if (!registration.Observed)
            {
                LogNotAnswered(logger, registration.Device.DeviceId, response.Code);
            }
        }
        catch (Exception error) when (error is CoapTimeoutException or CoapResetException or OperationCanceledException)
        {
            LogNotObserved(logger, registration.Device.DeviceId, error.Message);
        }
    }

    /// <summary>
    /// The registration <paramref name="peer"/> speaks for: over DTLS its identity names it from any address (each
    /// exchange may come over a new session), over plain CoAP its address does.
    /// </summary>
    private Lwm2mRegistration? Of(CoapPeer peer) =>
        peer.Identity is { } identity ? _byName.GetValueOrDefault(identity) : _byPeer.GetValueOrDefault(peer);

    /// <summary>The client sent something from <paramref name="peer"/>: it is reached there now, and in queue mode it listens.</summary>
    private void Touch(Lwm2mRegistration registration, CoapPeer peer)
    {
        if (registration.Peer != peer)
        {
            // The observation stays where it was made: its notifications keep coming from there.
            if (registration.Peer != registration.ObservedPeer)
            {
                _byPeer.TryRemove(KeyValuePair.Create(registration.Peer, registration));
            }
            registration.Peer = peer;
            _byPeer[peer] = registration;
        }
        if (registration.QueueMode)
        {
            registration.AwakeUntil = time.GetUtcNow() + options.Value.QueueWindow;
        }
        devices.Awake(registration);
    }

    private bool Remove(Lwm2mRegistration registration)
    {
        var removed = _byDevice.TryRemove(KeyValuePair.Create(registration.Device.DeviceId, registration));
        _byLocation.TryRemove(KeyValuePair.Create(registration.Location, registration));
        _byPeer.TryRemove(KeyValuePair.Create(registration.Peer, registration));
        _byName.TryRemove(KeyValuePair.Create(registration.EndpointName, registration));
        EndpointOf(registration.Peer)?.ForgetObservations(registration.Peer);
        if (registration.ObservedPeer is { } observed && observed != registration.Peer)
        {
            _byPeer.TryRemove(KeyValuePair.Create(observed, registration));
            EndpointOf(observed)?.ForgetObservations(observed);
        }
        return removed;
    }

    private CoapEndpoint? EndpointOf(CoapPeer peer) => peer.Identity is null ? Plain : Secure;

    /// <summary>
    /// Over DTLS the session's identity must be the registration's; over plain CoAP the location itself, random and
    /// given only to the client, is the proof: clients send updates from new ports, and NATs move them.
    /// </summary>
    private static bool SameClient(Lwm2mRegistration registration, CoapPeer peer) =>
        peer.Identity is not { } identity || identity == registration.EndpointName;

    private static Dictionary<string, string> Query(CoapMessage request)
    {
        var query = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, value) in request.Query)
        {
            query.TryAdd(name, value);
        }
        return query;
    }

    private TimeSpan? ReadLifetime(Dictionary<string, string> query)
    {
        if (!query.TryGetValue("lt", out var text))
        {
            return TimeSpan.FromDays(1) < options.Value.MaxLifetime ? TimeSpan.FromDays(1) : options.Value.MaxLifetime;
        }
        if (!uint.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds))
        {
            return null;
        }
        var lifetime = TimeSpan.FromSeconds(seconds);
        return lifetime < options.Value.MinLifetime ? options.Value.MinLifetime : lifetime > options.Value.MaxLifetime ? options.Value.MaxLifetime : lifetime;
    }

    /// <summary>Whether the binding is queue mode (LwM2M 1.0's <c>b=UQ</c>, or 1.1's <c>Q</c> flag); null when it is not a binding.</summary>
    private static bool? ReadBinding(Dictionary<string, string> query)
    {
        var binding = query.GetValueOrDefault("b", "U");
        if (binding.Length is 0 or > 5 || binding.Any(letter => !"UQSTN".Contains(letter, StringComparison.Ordinal)))
        {
            return null;
        }
        return binding.Contains('Q', StringComparison.Ordinal) || query.ContainsKey("Q");
    }

    /// <summary>Whether the links name object 19 instance 0; null when the body is not link format.</summary>
    private static bool? ReadsData(CoapMessage request)
    {
        if (request.Payload.IsEmpty)
        {
            return true;
        }
        try
        {
            var links = LinkFormat.Parse(Encoding.UTF8.GetString(request.Payload.Span));
            return links.Any(link => link.Target.TrimEnd('/') is "/19" or "/19/0" or "/19/0/0");
        }
        catch (FormatException)
        {
            return null;
        }
    }

    private static string NewLocation() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(LocationBytes));

    /// <summary>A response with a diagnostic payload (RFC 7252 §5.5.2): the client's developer reads why.</summary>
    private static CoapMessage Refuse(CoapMessage request, CoapCode code, string reason)
    {
        var response = request.CreateResponse(code);
        response.Payload = Encoding.UTF8.GetBytes(reason);
        return response;
    }

    /// <summary>Registrations per address in the current minute; the counts start again each minute.</summary>
    private sealed class RegistrationRate(int perMinute, TimeProvider time)
    {
        private readonly ConcurrentDictionary<IPAddress, int> _counts = new();
        private long _minute = time.GetUtcNow().ToUnixTimeSeconds() / 60;

        public bool TryTake(IPAddress address)
        {
            Forget();
            return _counts.AddOrUpdate(address, 1, (_, count) => count + 1) <= perMinute;
        }

        public void Forget()
        {
            var minute = time.GetUtcNow().ToUnixTimeSeconds() / 60;
            if (Interlocked.Exchange(ref _minute, minute) != minute)
            {
                _counts.Clear();
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Device {DeviceId} registered as {EndpointName} from {Address} for {Lifetime} s (queue mode: {QueueMode}).")]
    private static partial void LogRegistered(ILogger logger, string deviceId, string endpointName, IPEndPoint address, int lifetime, bool queueMode);

    [LoggerMessage(Level = LogLevel.Information, Message = "Registration as {EndpointName} from {Address} refused: no device may register with that name.")]
    private static partial void LogRefused(ILogger logger, string endpointName, IPEndPoint address);

    [LoggerMessage(Level = LogLevel.Information, Message = "The registration of device {DeviceId} ({EndpointName}) expired.")]
    private static partial void LogExpired(ILogger logger, string deviceId, string endpointName);

    [LoggerMessage(Level = LogLevel.Information, Message = "Device {DeviceId}'s /19/0/0 is not observed: {Reason}.")]
    private static partial void LogNotObserved(ILogger logger, string deviceId, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Device {DeviceId} answered the observation of /19/0/0 with {Code}.")]
    private static partial void LogNotAnswered(ILogger logger, string deviceId, CoapCode code);

    [LoggerMessage(Level = LogLevel.Information, Message = "Device {DeviceId} ended its /19/0/0 observation with {Code}.")]
    private static partial void LogObservationEnded(ILogger logger, string deviceId, CoapCode code);
}
