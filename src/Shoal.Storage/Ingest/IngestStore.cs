using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Shoal.Storage.Ingest;

/// <summary>
/// Writes device ingest without EF change tracking, on one connection of its own that is kept open with its statements
/// prepared. Each call is one transaction. What is rare and needs reading first (a device coming online, a command
/// answered) can still go through EF, on the same connection and in the same transaction. One writer at a time.
/// </summary>
public abstract class IngestStore : IAsyncDisposable
{
    private DbConnection? _connection;

    /// <summary>The store for the database <see cref="ShoalDb"/> is configured for.</summary>
    public static IngestStore Create(IServiceScopeFactory scopes)
    {
        ArgumentNullException.ThrowIfNull(scopes);
        using var scope = scopes.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<ShoalDb>();
        var tables = new IngestTables(db.Model);
        var connectionString = db.Database.GetConnectionString()
            ?? throw new InvalidOperationException("The database has no connection string.");
        return db switch
        {
            SqliteShoalDb => new SqliteIngestStore(connectionString, tables),
            PostgresShoalDb => new PostgresIngestStore(connectionString, tables),
            _ => throw new InvalidOperationException($"No ingest store for {db.GetType().Name}."),
        };
    }

    /// <summary>
    /// Commits <paramref name="rows"/> in one transaction and sets the IDs of their events. <paramref name="tracked"/>,
    /// when given, runs first on a <see cref="ShoalDb"/> enlisted in that transaction and may still add rows; it saves
    /// its own changes. Nothing is committed when this throws.
    /// </summary>
    public async Task WriteAsync(IngestRows rows, Func<ShoalDb, CancellationToken, Task>? tracked, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(rows);
        try
        {
            _connection ??= await OpenAsync(cancellationToken);
            await using var transaction = await _connection.BeginTransactionAsync(cancellationToken);
            if (tracked is not null)
            {
                await using var db = NewDb();
                await db.Database.UseTransactionAsync(transaction, cancellationToken);
                await tracked(db, cancellationToken);
            }
            await WriteRowsAsync(transaction, rows, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }
        catch
        {
            // The connection may be broken or mid-statement: the next batch starts on a new one.
            await CloseAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await CloseAsync();
        GC.SuppressFinalize(this);
    }

    /// <summary>Opens the connection and prepares what <see cref="WriteRowsAsync"/> runs.</summary>
    private protected abstract Task<DbConnection> OpenAsync(CancellationToken cancellationToken);

    /// <summary>A context on the open connection, for the rare items that go through EF.</summary>
    private protected abstract ShoalDb NewDb();

    private protected abstract Task WriteRowsAsync(DbTransaction transaction, IngestRows rows, CancellationToken cancellationToken);

    private async Task CloseAsync()
    {
        if (_connection is not null)
        {
            await _connection.DisposeAsync();
            _connection = null;
        }
    }
}
