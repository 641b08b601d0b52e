using Microsoft.EntityFrameworkCore;

namespace Shoal.Storage;

public static class Migrator
{
    /// <summary>
    /// How long one migration statement may run. Building an index over a large history takes minutes, longer than a
    /// provider's default command timeout (30 s on Npgsql), and a start that gives up halfway cannot serve at all.
    /// </summary>
    public static readonly TimeSpan CommandTimeout = TimeSpan.FromHours(1);

    /// <summary>Brings the schema up to date; on SQLite also switches the file to write-ahead logging.</summary>
    public static async Task MigrateAsync(ShoalDb db, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        if (db is SqliteShoalDb)
        {
            // WAL lets readers run beside the one writer; the setting is stored in the file.
            await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;", cancellationToken);
        }
        var timeout = db.Database.GetCommandTimeout();
        db.Database.SetCommandTimeout(CommandTimeout);
        try
        {
            await db.Database.MigrateAsync(cancellationToken);
        }
        finally
        {
            db.Database.SetCommandTimeout(timeout);
        }
    }
}
