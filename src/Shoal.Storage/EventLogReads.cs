using Microsoft.EntityFrameworkCore;
using Shoal.Storage.Entities;

namespace Shoal.Storage;

/// <summary>
/// How the followers of the device event log (the push and rule fan-outs) find the next batch to read without making
/// ingest wait for them: they read only below a mark that every event under it has committed by.
/// </summary>
public static class EventLogReads
{
    /// <summary>
    /// The last ID of the next batch after <paramref name="after"/>, at most <paramref name="batchSize"/> events long and
    /// made only of committed events; null when there is nothing new.
    /// </summary>
    public static async Task<long?> NextBatchEndAsync(this ShoalDb db, long after, int batchSize, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        // Most rounds find nothing new: they look without taking a lock.
        if (!await db.DeviceEvents.AnyAsync(e => e.Id > after, cancellationToken))
        {
            return null;
        }
        var committed = await CommittedUpToAsync(db, cancellationToken);
        return await db.DeviceEvents.Where(e => e.Id > after && e.Id <= committed).OrderBy(e => e.Id).Take(batchSize)
            .MaxAsync(e => (long?)e.Id, cancellationToken);
    }

    /// <summary>The highest event ID below which no event can commit any more.</summary>
    private static async Task<long> CommittedUpToAsync(ShoalDb db, CancellationToken cancellationToken)
    {
        if (db is not PostgresShoalDb)
        {
            // SQLite has one writer: IDs are taken and committed in order, so every ID up to the highest has committed.
            return await db.DeviceEvents.MaxAsync(e => (long?)e.Id, cancellationToken) ?? 0;
        }
        // On PostgreSQL a transaction can take a lower ID and commit after a higher one is visible. Every writer of
        // events holds the table in ROW EXCLUSIVE mode from before it takes an ID until it ends; this lock waits for
        // those to end, and is let go at once, so the highest ID it then sees has no uncommitted one below it, and
        // every later ID is higher. A writer that comes while the lock waits queues behind it for as long as the
        // writers ahead of it take, never for a follower's whole batch.
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        await db.Database.ExecuteSqlRawAsync("""LOCK TABLE "DeviceEvents" IN SHARE ROW EXCLUSIVE MODE""", cancellationToken);
        var committed = await db.DeviceEvents.MaxAsync(e => (long?)e.Id, cancellationToken) ?? 0;
        await transaction.CommitAsync(cancellationToken);
        return committed;
    }

    /// <summary>
    /// In the transaction that writes what a batch made: moves the follower's cursor from <paramref name="from"/> to
    /// <paramref name="to"/>. False when another node has moved it since; that batch must then be dropped. On
    /// PostgreSQL the cursor row stays locked until the transaction ends, so the nodes' followers take turns.
    /// </summary>
    public static async Task<bool> TryMoveCursorAsync<TCursor>(
        this ShoalDb db, DbSet<TCursor> cursors, int id, long from, long to, CancellationToken cancellationToken)
        where TCursor : class, IEventLogCursor, new()
    {
        ArgumentNullException.ThrowIfNull(db);
        // The table's name comes from the model, never from input.
        var lockRow = $$"""SELECT * FROM "{{db.Model.FindEntityType(typeof(TCursor))!.GetTableName()}}" WHERE "Id" = {0} FOR UPDATE""";
        var cursor = await (db is PostgresShoalDb
                ? cursors.FromSqlRaw(lockRow, id)
                : cursors.Where(c => c.Id == id))
            .SingleOrDefaultAsync(cancellationToken);
        if (cursor is null && from == 0)
        {
            cursors.Add(cursor = new TCursor { Id = id });
        }
        if (cursor is null || cursor.LastEventId != from)
        {
            return false;
        }
        cursor.LastEventId = to;
        return true;
    }
}
