using System.Data.Common;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace Shoal.Storage;

/// <summary>
/// Settings every SQLite connection gets when it opens:
/// <list type="bullet">
/// <item>SQLite itself waits for a write lock another connection holds, for as long as the connection string's default
/// timeout. Left to Microsoft.Data.Sqlite, a busy connection retries every 150 ms, so a lock held for a millisecond
/// cost the waiting writer 150 ms; SQLite's own busy handler retries within a millisecond or two.</item>
/// <item>A page cache of 16 MB per connection instead of 2 MB. A device's history is spread over the table's pages
/// (devices report interleaved), so one page of 250 points touches some 250 pages; with the default cache a pooled
/// connection read most of them from the file again on every query. (A memory map of the file read history faster
/// still, but tripled the ingest's commit latency.)</item>
/// </list>
/// </summary>
internal sealed class SqliteConnectionSettings : DbConnectionInterceptor
{
    public static SqliteConnectionSettings Instance { get; } = new();

    public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData) => Apply((SqliteConnection)connection);

    public override Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        Apply((SqliteConnection)connection);
        return Task.CompletedTask;
    }

    public static void Apply(SqliteConnection connection)
    {
        using var command = connection.CreateCommand();
        command.CommandText = $"PRAGMA busy_timeout = {connection.DefaultTimeout * 1000}; PRAGMA cache_size = -{16 << 10};";
        command.ExecuteNonQuery();
    }
}
