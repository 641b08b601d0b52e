using System.ComponentModel.DataAnnotations;

namespace Shoal.Coap.Lwm2m;

/// <summary>CoAP and LwM2M device access: listeners, limits and registration lifetimes.</summary>
public sealed class Lwm2mOptions
{
    public const string Section = "Coap";

    /// <summary>Plain CoAP port (devices named by their node ID only); 0 turns it off. Default: 5683.</summary>
    [Range(0, 65535)]
    public int Port { get; set; } = 5683;

    /// <summary>CoAP over DTLS 1.2 with the device's PSK; 0 turns it off. Default: 5684.</summary>
    [Range(0, 65535)]
    public int DtlsPort { get; set; } = 5684;

    /// <summary>Largest request body, whole or put together from blocks. Default: 1,024 bytes.</summary>
    [Range(16, 65536)]
    public int MaxBodySize { get; set; } = 1024;

    /// <summary>Shortest lifetime a registration may ask for; a shorter one is raised to it. Default: 30 seconds.</summary>
    public TimeSpan MinLifetime { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Longest lifetime a registration may ask for; a longer one is lowered to it. Default: 7 days.</summary>
    public TimeSpan MaxLifetime { get; set; } = TimeSpan.FromDays(7);

    /// <summary>How long a client in queue mode listens after each message it sends. Default: 20 seconds.</summary>
    public TimeSpan QueueWindow { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>Registrations one address may send per minute; more get 4.29. Default: 30.</summary>
    [Range(1, int.MaxValue)]
    public int RegistrationsPerMinute { get; set; } = 30;

    /// <summary>How often expired registrations are looked for. Default: 1 second.</summary>
    public TimeSpan ExpiryScan { get; set; } = TimeSpan.FromSeconds(1);
}
