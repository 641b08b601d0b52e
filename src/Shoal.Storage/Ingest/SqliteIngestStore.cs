using System.Data.Common;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace Shoal.Storage.Ingest;

/// <summary>
/// SQLite: one prepared statement per kind of row, run once per row. SQLite is in-process, so a row costs a step of a
/// prepared statement and no round trip. Values are stored as EF stores them: times as UTC ticks, enums as names.
/// </summary>
internal sealed class SqliteIngestStore(string connectionString, IngestTables tables) : IngestStore
{
    private DbContextOptions<SqliteShoalDb>? _options;
    private SqliteCommand _point = null!;
    private SqliteCommand _state = null!;
    private SqliteCommand _event = null!;

    private protected override async Task<DbConnection> OpenAsync(CancellationToken cancellationToken)
    {
        // The connection string is the one EF uses: same file, busy timeout and pooling; WAL is a setting of the file.
        var connection = new SqliteConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        SqliteConnectionSettings.Apply(connection);
        _options = new DbContextOptionsBuilder<SqliteShoalDb>().UseSqlite(connection).Options;
        _point = Prepare(connection, tables.Points.Columns.Length, values => $"INSERT INTO {tables.Points.Name} ({tables.Points.ColumnList()}) VALUES ({values})");
        _state = Prepare(connection, tables.States.Columns.Length, values => $"INSERT INTO {tables.States.Name} ({tables.States.ColumnList()}) VALUES ({values}) {tables.StatesOnConflict}");
        _event = Prepare(connection, tables.Events.Columns.Length - 1,
            values => $"INSERT INTO {tables.Events.Name} ({tables.Events.ColumnList(skip: 1)}) VALUES ({values}) RETURNING {tables.Events.Columns[0]}");
        return connection;
    }

    private protected override ShoalDb NewDb() => new SqliteShoalDb(_options!);

    private protected override Task WriteRowsAsync(DbTransaction transaction, IngestRows rows, CancellationToken cancellationToken)
    {
        var sqlite = (SqliteTransaction)transaction;
        _point.Transaction = _state.Transaction = _event.Transaction = sqlite;
        foreach (var point in rows.Points)
        {
            Run(_point, point.ApplicationId, point.DeviceId, point.ServiceId, point.Data, point.PropertyNames, point.EventTime.UtcTicks, point.ReceivedAt.UtcTicks);
        }
        foreach (var state in rows.States)
        {
            Run(_state, state.DeviceId, state.ServiceId, state.Data, state.EventTime.UtcTicks);
        }
        foreach (var deviceEvent in rows.Events)
        {
            Bind(_event, deviceEvent.ApplicationId, deviceEvent.DeviceId, deviceEvent.Type.ToString(), deviceEvent.Payload, deviceEvent.CreatedAt.UtcTicks);
            deviceEvent.Id = (long)_event.ExecuteScalar()!;
        }
        return Task.CompletedTask;
    }

    /// <summary>A statement with <paramref name="count"/> parameters, <c>$p0</c> and on, listed where <paramref name="sql"/> puts them.</summary>
    private static SqliteCommand Prepare(SqliteConnection connection, int count, Func<string, string> sql)
    {
        var command = connection.CreateCommand();
        var names = Enumerable.Range(0, count).Select(i => $"$p{i}").ToList();
        command.CommandText = sql(string.Join(", ", names));
        names.ForEach(name => command.Parameters.Add(new SqliteParameter { ParameterName = name }));
        command.Prepare();
        return command;
    }

    private static void Run(SqliteCommand command, params ReadOnlySpan<object> values)
    {
        Bind(command, values);
        command.ExecuteNonQuery();
    }

    private static void Bind(SqliteCommand command, params ReadOnlySpan<object> values)
    {
        for (var i = 0; i < values.Length; i++)
        {
            command.Parameters[i].Value = values[i];
        }
    }
}
