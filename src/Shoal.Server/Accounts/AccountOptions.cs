using System.ComponentModel.DataAnnotations;

namespace Shoal.Server.Accounts;

public sealed class AccountOptions
{
    public const string Section = "Accounts";

    /// <summary>PBKDF2-HMAC-SHA512 iterations for passwords. Default: 210,000 (OWASP 2023).</summary>
    [Range(10_000, 10_000_000)]
    public int PasswordHashIterations { get; set; } = 210_000;

    /// <summary>Applications a new user may own, the default application included. Default: 10.</summary>
    [Range(1, 10_000)]
    public int DefaultApplicationQuota { get; set; } = 10;

    /// <summary>Failed sign-ins allowed for one account from one address within <see cref="SignInWindow"/> (ten times that from all addresses slows every failing address to one try). Default: 5.</summary>
    [Range(1, 1000)]
    public int SignInFailuresPerAccount { get; set; } = 5;

    /// <summary>Failed sign-ins allowed per client address within <see cref="SignInWindow"/>. Default: 20.</summary>
    [Range(1, 10_000)]
    public int SignInFailuresPerAddress { get; set; } = 20;

    /// <summary>How long a failed sign-in counts against its account and address. Default: 15 minutes.</summary>
    public TimeSpan SignInWindow { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>Lifetime of the portal's sign-in cookie. Default: 8 hours.</summary>
    public TimeSpan SessionLifetime { get; set; } = TimeSpan.FromHours(8);

    /// <summary>How long a password reset link works. Default: 30 minutes.</summary>
    public TimeSpan PasswordResetLifetime { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>Password resets one e-mail address may ask for within <see cref="SignInWindow"/>. Default: 3.</summary>
    [Range(1, 100)]
    public int PasswordResetsPerAccount { get; set; } = 3;

    /// <summary>Password resets one client address may ask for within <see cref="SignInWindow"/>. Default: 10.</summary>
    [Range(1, 1000)]
    public int PasswordResetsPerAddress { get; set; } = 10;

    /// <summary>How long an invitation to sign up works. Default: 7 days.</summary>
    public TimeSpan InvitationLifetime { get; set; } = TimeSpan.FromDays(7);
}
