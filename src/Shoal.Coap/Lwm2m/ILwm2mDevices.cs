namespace Shoal.Coap.Lwm2m;

/// <summary>What the LwM2M server needs of Shoal's devices: who an endpoint is, and storing what it did.</summary>
internal interface ILwm2mDevices
{
    /// <summary>The device an endpoint name stands for; null when none may register with it (unknown, frozen, a sub-device).</summary>
    ValueTask<Lwm2mDevice?> FindAsync(string endpointName, CancellationToken cancellationToken);

    /// <summary>Commits the device online (activated on its first registration); the client hears 2.01 only after.</summary>
    Task RegisteredAsync(Lwm2mRegistration registration, CancellationToken cancellationToken);

    /// <summary>The client sent something: in queue mode it listens now, so what waits for it may be sent.</summary>
    void Awake(Lwm2mRegistration registration);

    /// <summary>Commits the device offline: it de-registered, or its registration <paramref name="lapsed"/> without an update.</summary>
    Task DeregisteredAsync(Lwm2mRegistration registration, bool lapsed, CancellationToken cancellationToken);

    /// <summary>
    /// Stores one payload the client sent, as a notification of <c>/19/0/0</c> or with LwM2M Send to <c>/dp</c>
    /// (<paramref name="path"/>); completes once committed.
    /// </summary>
    Task ReportAsync(Lwm2mRegistration registration, string path, ReadOnlyMemory<byte> payload, int? contentFormat, CancellationToken cancellationToken);
}
