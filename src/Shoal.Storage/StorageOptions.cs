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
}

public enum DatabaseProvider
{
    Sqlite,
    Postgres,
}
