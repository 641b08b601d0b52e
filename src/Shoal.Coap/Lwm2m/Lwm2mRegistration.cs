using Shoal.Coap.Transport;

namespace Shoal.Coap.Lwm2m;

/// <summary>The device an LwM2M endpoint name stands for.</summary>
internal sealed record Lwm2mDevice(string DeviceId, string ApplicationId, bool DataManagement);

/// <summary>
/// One LwM2M client's registration: where it is reached, for how long, and whether it sleeps between exchanges (queue
/// mode). It is kept small: a node holds one per registered device.
/// </summary>
internal sealed class Lwm2mRegistration(string location, string endpointName, Lwm2mDevice device, CoapPeer peer)
{
    /// <summary>The registration's ID in its location, <c>/rd/{Location}</c>.</summary>
    public string Location => location;
    public string EndpointName => endpointName;
    public Lwm2mDevice Device => device;
    /// <summary>Where the client is reached; an update from another address (a NAT rebinding) moves it.</summary>
    public CoapPeer Peer { get; set; } = peer;
    public TimeSpan Lifetime { get; set; }
    public DateTimeOffset ExpiresAt { get; set; }
    /// <summary>Queue mode: the client listens only for a while after each message it sends.</summary>
    public bool QueueMode { get; set; }
    /// <summary>In queue mode, until when the client listens.</summary>
    public DateTimeOffset AwakeUntil { get; set; }
    /// <summary>Whether the client has object 19 instance 0 (binary application data up), so it is observed.</summary>
    public bool ReportsData { get; set; }
    /// <summary>Where the server observes the client's <c>/19/0/0</c>; null when it does not.</summary>
    public CoapPeer? ObservedPeer { get; set; }

    public bool Observed => ObservedPeer is not null;
    /// <summary>What the device layer keeps with the registration (its session).</summary>
    public object? Attachment { get; set; }

    public bool IsAwake(DateTimeOffset now) => !QueueMode || now < AwakeUntil;
}
