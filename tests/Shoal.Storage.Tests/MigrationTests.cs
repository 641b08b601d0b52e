using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Shoal.Server.Tests.Infrastructure;
using Shoal.Storage.Entities;

namespace Shoal.Storage.Tests;

public abstract class MigrationTests<TDatabase> : IAsyncLifetime where TDatabase : ITestDatabase, new()
{
    private readonly TDatabase _database = new();
    private ServiceProvider _services = null!;

    public async ValueTask InitializeAsync()
    {
        await _database.CreateAsync();
        _services = new ServiceCollection()
            .AddShoalDb(new StorageOptions { Provider = _database.Provider, ConnectionString = _database.ConnectionString }, Path.GetTempPath())
            .BuildServiceProvider();
    }

    [Fact]
    public async Task Migrate_EmptyDatabase_AppliesEveryMigrationAndMatchesTheModel()
    {
        await using var scope = _services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ShoalDb>();

        await Migrator.MigrateAsync(db, TestContext.Current.CancellationToken);

        Assert.Empty(await db.Database.GetPendingMigrationsAsync(TestContext.Current.CancellationToken));
        Assert.False(db.Database.HasPendingModelChanges(), "The model changed without a migration for this provider.");
    }

    [Fact]
    public async Task Migrate_Twice_IsHarmless()
    {
        await using var scope = _services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ShoalDb>();

        await Migrator.MigrateAsync(db, TestContext.Current.CancellationToken);
        await Migrator.MigrateAsync(db, TestContext.Current.CancellationToken);

        Assert.NotEmpty(await db.Database.GetAppliedMigrationsAsync(TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Timestamps_QueriedByRangeAndOrder_KeepInstantAndOrder()
    {
        await using var scope = _services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ShoalDb>();
        await Migrator.MigrateAsync(db, TestContext.Current.CancellationToken);
        var start = new DateTimeOffset(2026, 11, 25, 10, 0, 0, TimeSpan.Zero);
        foreach (var minutes in new[] { 30, 10, 20 })
        {
            db.AuditEntries.Add(new AuditEntry { Actor = "test", Action = $"at-{minutes}", At = start.AddMinutes(minutes) });
        }
        await db.SaveChangesAsync(TestContext.Current.CancellationToken);

        var found = await db.AuditEntries.AsNoTracking()
            .Where(e => e.At > start.AddMinutes(15)).OrderBy(e => e.At).ToListAsync(TestContext.Current.CancellationToken);

        Assert.Equal(["at-20", "at-30"], found.Select(e => e.Action));
        Assert.Equal(start.AddMinutes(20), found[0].At);
    }

    public async ValueTask DisposeAsync()
    {
        await _services.DisposeAsync();
        await _database.DisposeAsync();
        GC.SuppressFinalize(this);
    }
}

public sealed class MigrationTestsOnSqlite : MigrationTests<SqliteDatabase>;

public sealed class MigrationTestsOnPostgres : MigrationTests<PostgresDatabase>;
