using Microsoft.Extensions.Options;
using Shoal.Storage;

namespace Shoal.Server.Hosting;

internal static class StorageHosting
{
    public static WebApplicationBuilder AddStorage(this WebApplicationBuilder builder)
    {
        var storage = builder.Configuration.GetSection(StorageOptions.Section).Get<StorageOptions>() ?? new StorageOptions();
        storage.Validate();
        builder.Services.AddSingleton(Options.Create(storage));
        builder.Services.AddShoalDb(storage, builder.DataDirectory());
        // Hosted services start in the order they are added: the schema first, then every worker that reads it.
        if (storage.MigrateOnStart)
        {
            builder.Services.AddHostedService<MigrateOnStart>();
        }
        builder.Services.AddSingleton<HistoryRetentionWorker>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<HistoryRetentionWorker>());
        builder.Services.AddSingleton<EventLogRetentionWorker>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<EventLogRetentionWorker>());
        return builder;
    }

    /// <summary>The data folder, made absolute against the content root (the application's folder) and created if missing.</summary>
    public static string DataDirectory(this WebApplicationBuilder builder)
    {
        var configured = builder.Configuration[$"{ShoalOptions.Section}:{nameof(ShoalOptions.DataDirectory)}"] ?? new ShoalOptions().DataDirectory;
        var path = Path.GetFullPath(configured, builder.Environment.ContentRootPath);
        Directory.CreateDirectory(path);
        return path;
    }

    /// <summary>Runs <c>migrate</c>: brings the database schema up to date and exits.</summary>
    public static async Task MigrateAsync(this WebApplication app)
    {
        await using var scope = app.Services.CreateAsyncScope();
        await Migrator.MigrateAsync(scope.ServiceProvider.GetRequiredService<ShoalDb>(), CancellationToken.None);
    }

    /// <summary>Migrates before the server takes requests: a hosted service's StartAsync runs before Kestrel listens.</summary>
    private sealed class MigrateOnStart(IServiceProvider services) : IHostedService
    {
        public async Task StartAsync(CancellationToken cancellationToken)
        {
            await using var scope = services.CreateAsyncScope();
            await Migrator.MigrateAsync(scope.ServiceProvider.GetRequiredService<ShoalDb>(), cancellationToken);
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
