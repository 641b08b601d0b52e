using System.ComponentModel.DataAnnotations;

namespace Shoal.Delivery;

/// <summary>Pushes to NAs: timeouts, retries, dead letters, backlog and which networks callbacks may reach.</summary>
public sealed class DeliveryOptions
{
    public const string Section = "Delivery";

    /// <summary>How long a push may take to answer 2xx. Default: 15 seconds.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>Wait before the first retry; each further retry waits twice as long, with jitter. Default: 5 seconds.</summary>
    public TimeSpan FirstRetryDelay { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Longest wait between two retries. Default: 1 hour.</summary>
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Consecutive failures after which a callback URL is marked invalid and only probed. Default: 10.</summary>
    [Range(1, 1000)]
    public int FailuresBeforeInvalid { get; set; } = 10;

    /// <summary>How often an invalid callback URL is probed with its oldest waiting push. Default: 5 minutes.</summary>
    public TimeSpan ProbeInterval { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Most pushes that may wait for one application. Default: 100,000.</summary>
    [Range(1, int.MaxValue)]
    public int BacklogCap { get; set; } = 100_000;

    /// <summary>What a full backlog does with one more push. Default: the new push goes to the dead letters.</summary>
    public BacklogFullAction BacklogFull { get; set; } = BacklogFullAction.DeadLetterNewest;

    /// <summary>
    /// Networks (CIDR) that callbacks may reach although they are loopback, private, link-local or metadata addresses.
    /// Default: none.
    /// </summary>
    public IList<string> AllowedNetworks { get; } = [];

    /// <summary>How often the worker looks for new events and due pushes when idle. Default: 100 ms.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Most events turned into pushes, and most pushes claimed, in one round. Default: 500.</summary>
    [Range(1, 10_000)]
    public int BatchSize { get; set; } = 500;

    /// <summary>Most pushes in flight at once on one node. Default: 64.</summary>
    [Range(1, 10_000)]
    public int MaxConcurrentPushes { get; set; } = 64;

    /// <summary>
    /// Most pushes under way at once to one destination (a subscription, or a command's callback URL) on one node, so a
    /// slow receiver holds only its own share. Default: 8.
    /// </summary>
    [Range(1, 10_000)]
    public int MaxConcurrentPushesPerDestination { get; set; } = 8;

    /// <summary>How long a replaced signing secret keeps signing beside the new one. Default: 24 hours.</summary>
    public TimeSpan SigningSecretOverlap { get; set; } = TimeSpan.FromHours(24);

    /// <summary>How long a delivered push and its attempts stay in the delivery log; dead letters stay until replayed. Default: 7 days.</summary>
    public TimeSpan DeliveredRetention { get; set; } = TimeSpan.FromDays(7);

    /// <summary>How often delivered pushes past their retention are deleted. Default: 10 minutes.</summary>
    public TimeSpan RetentionInterval { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Most delivered pushes deleted by one statement. Default: 1,000.</summary>
    [Range(1, 100_000)]
    public int RetentionBatchSize { get; set; } = 1000;

    /// <summary>
    /// How long the operator's retry window (a platform setting) is remembered before it is read again. Default: 1 minute.
    /// </summary>
    public TimeSpan SettingsRefreshInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// How many pushes a destination (and the node) may hold claimed per push it may be sending: the rest wait their
    /// turn in memory, so that a quick receiver never waits for the next round.
    /// </summary>
    internal const int HeldPerSending = 16;

    /// <summary>
    /// How long a claimed push belongs to the node that claimed it: longer than the last push held for a hanging
    /// receiver waits for its turn and its own attempt.
    /// </summary>
    internal TimeSpan ClaimLease => Timeout * (HeldPerSending + 1) + TimeSpan.FromSeconds(30);
}

public enum BacklogFullAction
{
    /// <summary>The new push goes to the dead letters; what waits keeps its place.</summary>
    DeadLetterNewest,
    /// <summary>The oldest waiting push goes to the dead letters to make room.</summary>
    DeadLetterOldest,
}
