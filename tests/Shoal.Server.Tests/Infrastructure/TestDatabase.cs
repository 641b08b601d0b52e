using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Shoal.Storage;

namespace Shoal.Server.Tests.Infrastructure;

/// <summary>A fresh, empty database for one test fixture, on one provider.</summary>
public interface ITestDatabase : IAsyncDisposable
{
    DatabaseProvider Provider { get; }
    string ConnectionString { get; }
    Task CreateAsync();
}

public static class TestDatabases
{
    /// <summary>Reads the database from the test, through the model the server uses, as when the server runs as a process of its own.</summary>
    public static async Task<T> QueryAsync<T>(this ITestDatabase database, Func<ShoalDb, Task<T>> query)
    {
        ArgumentNullException.ThrowIfNull(database);
        ArgumentNullException.ThrowIfNull(query);
        var storage = new StorageOptions { Provider = database.Provider, ConnectionString = database.ConnectionString };
        await using var services = new ServiceCollection().AddShoalDb(storage, Path.GetTempPath()).BuildServiceProvider();
        await using var scope = services.CreateAsyncScope();
        return await query(scope.ServiceProvider.GetRequiredService<ShoalDb>());
    }
}

public sealed class SqliteDatabase : ITestDatabase
{
    private readonly string _file = Path.Combine(Path.GetTempPath(), $"shoal-test-{Guid.NewGuid():N}.db");

    public DatabaseProvider Provider => DatabaseProvider.Sqlite;
    public string ConnectionString => $"Data Source={_file}";
    public string File => _file;

    public Task CreateAsync() => Task.CompletedTask;

    public ValueTask DisposeAsync()
    {
        SqliteConnection.ClearAllPools();
        foreach (var path in new[] { _file, _file + "-wal", _file + "-shm" })
        {
            System.IO.File.Delete(path);
        }
        return ValueTask.CompletedTask;
    }
}

/// <summary>
/// A database of its own on the PostgreSQL server named by SHOAL_TEST_POSTGRES (default: the local server
/// that test.sh starts). An unreachable server fails the tests: they never skip.
/// </summary>
public sealed class PostgresDatabase : ITestDatabase
{
    private static readonly string Server =
        Environment.GetEnvironmentVariable("SHOAL_TEST_POSTGRES") ?? "Host=127.0.0.1;Username=postgres;Password=postgres";

    private readonly string _name = $"shoal_test_{Guid.NewGuid():N}";

    public DatabaseProvider Provider => DatabaseProvider.Postgres;
    public string ConnectionString => new NpgsqlConnectionStringBuilder(Server) { Database = _name }.ConnectionString;

    public async Task CreateAsync()
    {
        await using var connection = new NpgsqlConnection(Server);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"CREATE DATABASE {_name}", connection);
        await command.ExecuteNonQueryAsync();
    }

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        await using var connection = new NpgsqlConnection(Server);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"DROP DATABASE IF EXISTS {_name} WITH (FORCE)", connection);
        await command.ExecuteNonQueryAsync();
    }
}
