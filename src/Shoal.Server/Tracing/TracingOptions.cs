namespace Shoal.Server.Tracing;

/// <summary>How trace records expire. The limits an operator sets (devices, duration, retention hours) are platform settings.</summary>
public sealed class TracingOptions
{
    public const string Section = "Tracing";

    /// <summary>How often expired trace records are deleted and lapsed consents stop their traces. Default: 1 minute.</summary>
    public TimeSpan RetentionInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Trace records deleted per statement. Default: 1,000.</summary>
    public int RetentionBatchSize { get; set; } = 1000;

    public void Validate()
    {
        if (RetentionInterval <= TimeSpan.Zero)
        {
            throw new InvalidOperationException($"{Section}:{nameof(RetentionInterval)} must be a positive duration.");
        }
        if (RetentionBatchSize < 1)
        {
            throw new InvalidOperationException($"{Section}:{nameof(RetentionBatchSize)} must be at least 1.");
        }
    }
}
