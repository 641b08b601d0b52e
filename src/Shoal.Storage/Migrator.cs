using Microsoft.EntityFrameworkCore;

namespace Shoal.Storage;

public static class Migrator
{
    /// <summary>Brings the schema up to date; on SQLite also switches the file to write-ahead logging.</summary>
    public static async Task MigrateAsync(ShoalDb db, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        if (db is SqliteShoalDb)
        {
            // WAL lets readers run beside the one writer; the setting is stored in the file.
            await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;", cancellationToken);
        }
        await db.Database.MigrateAsync(cancellationToken);
    }
}
