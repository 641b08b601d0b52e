using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using NpgsqlTypes;

namespace Shoal.Storage.Ingest;

/// <summary>
/// PostgreSQL: history and events go in by binary COPY, latest values by one upsert over arrays; a batch is a few
/// round trips whatever its size. Event IDs are taken from the table's identity sequence first, so that COPY can write them.
/// </summary>
internal sealed class PostgresIngestStore(string connectionString, IngestTables tables) : IngestStore
{
    private DbContextOptions<PostgresShoalDb>? _options;
    private NpgsqlBatch _reserve = null!;
    private NpgsqlCommand _states = null!;

    private protected override async Task<DbConnection> OpenAsync(CancellationToken cancellationToken)
    {
        var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        _options = new DbContextOptionsBuilder<PostgresShoalDb>().UseNpgsql(connection).Options;

        await using var find = new NpgsqlCommand("SELECT pg_get_serial_sequence($1, $2)", connection);
        find.Parameters.Add(new NpgsqlParameter { Value = tables.Events.Name });
        find.Parameters.Add(new NpgsqlParameter { Value = tables.Events.Columns[0].Trim('"') });
        var sequence = (string)(await find.ExecuteScalarAsync(cancellationToken))!;

        // The fan-outs read events in ID order and take a lock on the table that waits for every transaction writing
        // to it. INSERT takes the table's lock before it draws IDs; taking IDs first and writing later must do the same,
        // or an event could commit below a cursor that has moved past it.
        _reserve = new NpgsqlBatch(connection)
        {
            BatchCommands =
            {
                new NpgsqlBatchCommand($"LOCK TABLE {tables.Events.Name} IN ROW EXCLUSIVE MODE"),
                new NpgsqlBatchCommand("SELECT nextval($1::regclass) FROM generate_series(1, $2)")
                {
                    Parameters = { new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Text, Value = sequence }, new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Integer } },
                },
            },
        };
        await _reserve.PrepareAsync(cancellationToken);

        _states = new NpgsqlCommand(
            $"INSERT INTO {tables.States.Name} ({tables.States.ColumnList()}) SELECT * FROM unnest($1, $2, $3, $4) {tables.StatesOnConflict}", connection);
        foreach (var type in new[] { NpgsqlDbType.Text, NpgsqlDbType.Text, NpgsqlDbType.Text, NpgsqlDbType.TimestampTz })
        {
            _states.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Array | type });
        }
        await _states.PrepareAsync(cancellationToken);
        return connection;
    }

    private protected override ShoalDb NewDb() => new PostgresShoalDb(_options!);

    private protected override async Task WriteRowsAsync(DbTransaction transaction, IngestRows rows, CancellationToken cancellationToken)
    {
        var connection = (NpgsqlConnection)transaction.Connection!;
        if (rows.Events.Count > 0)
        {
            _reserve.Transaction = (NpgsqlTransaction)transaction;
            _reserve.BatchCommands[1].Parameters[1].Value = rows.Events.Count;
            await using (var ids = await _reserve.ExecuteReaderAsync(cancellationToken))
            {
                foreach (var deviceEvent in rows.Events)
                {
                    await ids.ReadAsync(cancellationToken);
                    deviceEvent.Id = ids.GetInt64(0);
                }
            }
            await using var copy = await connection.BeginBinaryImportAsync(
                $"COPY {tables.Events.Name} ({tables.Events.ColumnList()}) FROM STDIN (FORMAT BINARY)", cancellationToken);
            foreach (var deviceEvent in rows.Events)
            {
                await copy.StartRowAsync(cancellationToken);
                await copy.WriteAsync(deviceEvent.Id, NpgsqlDbType.Bigint, cancellationToken);
                await copy.WriteAsync(deviceEvent.ApplicationId, NpgsqlDbType.Text, cancellationToken);
                await copy.WriteAsync(deviceEvent.DeviceId, NpgsqlDbType.Text, cancellationToken);
                await copy.WriteAsync(deviceEvent.Type.ToString(), NpgsqlDbType.Text, cancellationToken);
                await copy.WriteAsync(deviceEvent.Payload, NpgsqlDbType.Text, cancellationToken);
                await copy.WriteAsync(deviceEvent.CreatedAt.ToUniversalTime(), NpgsqlDbType.TimestampTz, cancellationToken);
            }
            await copy.CompleteAsync(cancellationToken);
        }
        if (rows.Points.Count > 0)
        {
            await using var copy = await connection.BeginBinaryImportAsync(
                $"COPY {tables.Points.Name} ({tables.Points.ColumnList()}) FROM STDIN (FORMAT BINARY)", cancellationToken);
            foreach (var point in rows.Points)
            {
                await copy.StartRowAsync(cancellationToken);
                await copy.WriteAsync(point.ApplicationId, NpgsqlDbType.Text, cancellationToken);
                await copy.WriteAsync(point.DeviceId, NpgsqlDbType.Text, cancellationToken);
                await copy.WriteAsync(point.ServiceId, NpgsqlDbType.Text, cancellationToken);
                await copy.WriteAsync(point.Data, NpgsqlDbType.Text, cancellationToken);
                await copy.WriteAsync(point.PropertyNames, NpgsqlDbType.Text, cancellationToken);
                await copy.WriteAsync(point.EventTime.ToUniversalTime(), NpgsqlDbType.TimestampTz, cancellationToken);
                await copy.WriteAsync(point.ReceivedAt.ToUniversalTime(), NpgsqlDbType.TimestampTz, cancellationToken);
            }
            await copy.CompleteAsync(cancellationToken);
        }
        if (rows.States.Count > 0)
        {
            var states = rows.States;
            _states.Transaction = (NpgsqlTransaction)transaction;
            _states.Parameters[0].Value = states.Select(s => s.DeviceId).ToArray();
            _states.Parameters[1].Value = states.Select(s => s.ServiceId).ToArray();
            _states.Parameters[2].Value = states.Select(s => s.Data).ToArray();
            _states.Parameters[3].Value = states.Select(s => s.EventTime.ToUniversalTime()).ToArray();
            await _states.ExecuteNonQueryAsync(cancellationToken);
        }
    }
}
