using System.ComponentModel.DataAnnotations;

namespace Shoal.Server.Northbound;

public sealed class NorthboundOptions
{
    public const string Section = "Northbound";

    /// <summary>PFX file of the application access address's TLS certificate. Default: one generated into the data folder.</summary>
    public string? CertificatePath { get; set; }

    /// <summary>Password of <see cref="CertificatePath"/>.</summary>
    public string? CertificatePassword { get; set; }

    /// <summary>Lifetime of an NA's access token. Default: 1 hour.</summary>
    public TimeSpan AccessTokenLifetime { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Lifetime of an NA's refresh token. Default: 30 days.</summary>
    public TimeSpan RefreshTokenLifetime { get; set; } = TimeSpan.FromDays(30);

    /// <summary>A login revokes the application's earlier tokens, as the reference platform does. Default: true.</summary>
    public bool SingleAccessToken { get; set; } = true;

    /// <summary>Calls one application may make per <see cref="ThrottleWindow"/>. Default: 100.</summary>
    [Range(1, 10_000_000)]
    public int CallsPerWindow { get; set; } = 100;

    /// <summary>Window of <see cref="CallsPerWindow"/>. Default: 60 seconds.</summary>
    public TimeSpan ThrottleWindow { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// How often the nodes sharing a PostgreSQL database share their call counts; the nodes together may let through
    /// this long's worth of calls past the limit. Default: 500 milliseconds.
    /// </summary>
    public TimeSpan ThrottleShareInterval { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Failed logins allowed for one application ID from one address within the sign-in window (ten times that from all addresses slows every failing address to one try). Default: 10.</summary>
    [Range(1, 10_000)]
    public int LoginFailuresPerApplication { get; set; } = 10;

    /// <summary>Failed logins allowed per client address within the sign-in window. Default: 50.</summary>
    [Range(1, 100_000)]
    public int LoginFailuresPerAddress { get; set; } = 50;
}
