using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Shoal.Storage;

public static class StorageServiceCollectionExtensions
{
    /// <summary>Registers <see cref="ShoalDb"/> on the configured provider.</summary>
    public static IServiceCollection AddShoalDb(this IServiceCollection services, StorageOptions options, string dataDirectory)
    {
        ArgumentNullException.ThrowIfNull(options);
        services.AddSingleton<EventLogSignal>();
        services.AddSingleton(new Changes(relayed: options.Provider == DatabaseProvider.Postgres));
        switch (options.Provider)
        {
            case DatabaseProvider.Sqlite:
                var connectionString = SqliteConnectionString(options.ConnectionString, dataDirectory);
                services.AddDbContextPool<SqliteShoalDb>(db => db.UseSqlite(connectionString).AddInterceptors(SqliteConnectionSettings.Instance));
                services.AddScoped<ShoalDb>(sp => sp.GetRequiredService<SqliteShoalDb>());
                break;
            case DatabaseProvider.Postgres:
                if (string.IsNullOrWhiteSpace(options.ConnectionString))
                {
                    throw new InvalidOperationException("Storage:ConnectionString is required when Storage:Provider is Postgres.");
                }
                services.AddDbContextPool<PostgresShoalDb>(db => db.UseNpgsql(options.ConnectionString));
                services.AddScoped<ShoalDb>(sp => sp.GetRequiredService<PostgresShoalDb>());
                services.AddHostedService(sp => new PostgresChangeRelay(
                    sp.GetRequiredService<Changes>(), options.ConnectionString, sp.GetRequiredService<ILogger<PostgresChangeRelay>>()));
                break;
            default:
                throw new InvalidOperationException($"Unknown Storage:Provider '{options.Provider}'.");
        }
        return services;
    }

    internal static string SqliteConnectionString(string? configured, string dataDirectory)
    {
        var builder = new SqliteConnectionStringBuilder(configured ?? $"Data Source={Path.Combine(dataDirectory, "shoal.db")}")
        {
            Pooling = true,
            DefaultTimeout = 30,
        };
        var file = builder.DataSource;
        if (!string.IsNullOrEmpty(file) && file != ":memory:")
        {
            // Relative to the data folder, not to whatever directory Shoal was started from.
            builder.DataSource = Path.GetFullPath(file, dataDirectory);
            Directory.CreateDirectory(Path.GetDirectoryName(builder.DataSource)!);
        }
        return builder.ToString();
    }
}
