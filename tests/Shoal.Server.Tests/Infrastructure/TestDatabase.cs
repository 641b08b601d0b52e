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
/// that test.sh starts), copied from a migrated template so that the server's start finds nothing to migrate.
/// An unreachable server fails the tests: they never skip.
/// </summary>
public sealed class PostgresDatabase : ITestDatabase
{
    private static readonly string Server =
        Environment.GetEnvironmentVariable("SHOAL_TEST_POSTGRES") ?? "Host=127.0.0.1;Username=postgres;Password=postgres";

    // Made once per test process; named after this build of the storage assembly, so a template of another build
    // (another branch, an older migration) is never copied.
    private static readonly Lazy<Task<string>> Template = new(CreateTemplateAsync);

    private readonly string _name = $"shoal_test_{Guid.NewGuid():N}";

    public DatabaseProvider Provider => DatabaseProvider.Postgres;
    public string ConnectionString => ConnectionTo(_name);

    public async Task CreateAsync()
    {
        var template = await Template.Value;
        await using var connection = new NpgsqlConnection(Server);
        await connection.OpenAsync();
        await ExecuteAsync(connection, $"CREATE DATABASE {_name} TEMPLATE {template}");
    }

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        await using var connection = new NpgsqlConnection(Server);
        await connection.OpenAsync();
        await ExecuteAsync(connection, $"DROP DATABASE IF EXISTS {_name} WITH (FORCE)");
    }

    /// <summary>
    /// The migrated template of this build. Test processes running side by side take turns under an advisory lock;
    /// the template is migrated under a name of its own and renamed when complete, so a process killed halfway
    /// leaves nothing that a later run would copy.
    /// </summary>
    private static async Task<string> CreateTemplateAsync()
    {
        // The deterministic build's module ID: it changes exactly when the storage assembly does.
        var template = $"shoal_template_{typeof(ShoalDb).Assembly.ManifestModule.ModuleVersionId:N}";
        await using var connection = new NpgsqlConnection(Server);
        await connection.OpenAsync();
        await ExecuteAsync(connection, $"SELECT pg_advisory_lock({TemplateLock})");
        try
        {
            await using var exists = new NpgsqlCommand("SELECT EXISTS (SELECT FROM pg_database WHERE datname = @name)", connection);
            exists.Parameters.AddWithValue("name", template);
            if ((bool)(await exists.ExecuteScalarAsync())!)
            {
                return template;
            }
            var building = $"shoal_template_{Guid.NewGuid():N}";
            await ExecuteAsync(connection, $"CREATE DATABASE {building}");
            var storage = new StorageOptions { Provider = DatabaseProvider.Postgres, ConnectionString = ConnectionTo(building) };
            await using (var services = new ServiceCollection().AddShoalDb(storage, Path.GetTempPath()).BuildServiceProvider())
            {
                await using var scope = services.CreateAsyncScope();
                await Migrator.MigrateAsync(scope.ServiceProvider.GetRequiredService<ShoalDb>(), CancellationToken.None);
            }
            // PostgreSQL neither renames nor copies a database another session is connected to.
            await using (var built = new NpgsqlConnection(ConnectionTo(building)))
            {
                NpgsqlConnection.ClearPool(built);
            }
            await ExecuteAsync(connection, $"ALTER DATABASE {building} RENAME TO {template}");
            return template;
        }
        finally
        {
            await ExecuteAsync(connection, $"SELECT pg_advisory_unlock({TemplateLock})");
        }
    }

    // Any constant: it only has to be the same in every Shoal test process.
    private const long TemplateLock = 0x5348_4F41_4C54_504C;

    private static string ConnectionTo(string database) => new NpgsqlConnectionStringBuilder(Server) { Database = database }.ConnectionString;

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
