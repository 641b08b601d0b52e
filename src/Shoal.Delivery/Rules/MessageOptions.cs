using System.ComponentModel.DataAnnotations;

namespace Shoal.Delivery.Rules;

/// <summary>E-mails and SMS of rules: timeouts, retries, dead letters and how long a failing server is passed over.</summary>
public sealed class MessageOptions
{
    public const string Section = "Messages";

    /// <summary>How long one send to an SMTP server or SMS gateway may take. Default: 30 seconds.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Attempts before a message goes to the dead letters. Default: 8.</summary>
    [Range(1, 100)]
    public int MaxAttempts { get; set; } = 8;

    /// <summary>Wait before the first retry; each further retry waits twice as long. Default: 30 seconds.</summary>
    public TimeSpan FirstRetryDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Longest wait between two retries. Default: 1 hour.</summary>
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromHours(1);

    /// <summary>How long a server that failed is passed over while another may be chosen. Default: 5 minutes.</summary>
    public TimeSpan UnhealthyFor { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How often the worker looks for new events and due messages when idle. Default: 200 ms.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Most events evaluated, and most messages claimed, in one round. Default: 500.</summary>
    [Range(1, 10_000)]
    public int BatchSize { get; set; } = 500;

    /// <summary>How long a claimed message belongs to the node that claimed it: longer than any send can take. Default: 5 minutes.</summary>
    public TimeSpan ClaimLease { get; set; } = TimeSpan.FromMinutes(5);
}
