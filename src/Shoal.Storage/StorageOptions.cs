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
    }
}

public enum DatabaseProvider
{
    Sqlite,
    Postgres,
}
