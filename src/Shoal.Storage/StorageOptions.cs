namespace Shoal.Storage;

public sealed class StorageOptions
{
    public const string Section = "Storage";

    /// <summary>Which database holds Shoal's data. Default: <see cref="DatabaseProvider.Sqlite"/>.</summary>
    public DatabaseProvider Provider { get; set; } = DatabaseProvider.Sqlite;

    /// <summary>Connection string. Default for SQLite: <c>shoal.db</c> in the data folder; required for PostgreSQL.</summary>
    public string? ConnectionString { get; set; }

    /// <summary>Apply pending migrations when Shoal starts. Default: true.</summary>
    public bool MigrateOnStart { get; set; } = true;

    /// <summary>How often device history past its application's storage duration is deleted. Default: 10 minutes.</summary>
    public TimeSpan HistoryRetentionInterval { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>History rows deleted per statement, so that no one transaction holds the table for long. Default: 1,000.</summary>
    public int HistoryRetentionBatchSize { get; set; } = 1000;

    /// <summary>How long a device event stays in the log after every follower has read it. Default: 1 day.</summary>
    public TimeSpan EventLogRetention { get; set; } = TimeSpan.FromDays(1);

    /// <summary>How often read device events past <see cref="EventLogRetention"/> are deleted. Default: 10 minutes.</summary>
    public TimeSpan EventLogRetentionInterval { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Device events deleted per statement. Default: 1,000.</summary>
    public int EventLogRetentionBatchSize { get; set; } = 1000;

    /// <summary>Throws when a setting cannot work, so that a wrong configuration stops Shoal at start.</summary>
    public void Validate()
    {
        if (HistoryRetentionInterval <= TimeSpan.Zero)
        {
            throw new InvalidOperationException($"{Section}:{nameof(HistoryRetentionInterval)} must be a positive duration.");
        }
        if (HistoryRetentionBatchSize < 1)
        {
            throw new InvalidOperationException($"{Section}:{nameof(HistoryRetentionBatchSize)} must be at least 1.");
        }
        if (EventLogRetention < TimeSpan.Zero)
        {
            throw new InvalidOperationException($"{Section}:{nameof(EventLogRetention)} cannot be negative.");
        }
        if (EventLogRetentionInterval <= TimeSpan.Zero)
        {
            throw new InvalidOperationException($"{Section}:{nameof(EventLogRetentionInterval)} must be a positive duration.");
        }
        if (EventLogRetentionBatchSize < 1)
        {
            throw new InvalidOperationException($"{Section}:{nameof(EventLogRetentionBatchSize)} must be at least 1.");
        }
    }
}

public enum DatabaseProvider
{
    Sqlite,
    Postgres,
}
