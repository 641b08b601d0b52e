using System.Data.Common;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace Shoal.Storage;

/// <summary>
/// Lets SQLite itself wait for a write lock another connection holds, for as long as the connection string's default
/// timeout. Left to Microsoft.Data.Sqlite, a busy connection retries every 150 ms, so a lock held for a millisecond
/// cost the waiting writer 150 ms; SQLite's own busy handler retries within a millisecond or two.
/// </summary>
internal sealed class SqliteBusyWait : DbConnectionInterceptor
{
    public static SqliteBusyWait Instance { get; } = new();

    public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData) => Apply((SqliteConnection)connection);

    public override Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        Apply((SqliteConnection)connection);
        return Task.CompletedTask;
    }

    public static void Apply(SqliteConnection connection)
    {
        using var command = connection.CreateCommand();
        command.CommandText = $"PRAGMA busy_timeout = {connection.DefaultTimeout * 1000}";
        command.ExecuteNonQuery();
    }
}
