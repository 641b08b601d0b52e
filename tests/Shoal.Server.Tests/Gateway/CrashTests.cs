using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Shoal.Server.Tests.Infrastructure;
using Shoal.Storage.Entities;

namespace Shoal.Server.Tests.Gateway;

/// <summary>
/// Kill -9 under load, restart, and nothing acknowledged is lost. Shoal runs as a process of its own and is
/// killed with SIGKILL while a real MQTT client publishes QoS 1 reports as fast as they are acknowledged.
/// </summary>
[Trait("Category", "Crash")]
public abstract class CrashTests<TDatabase> : IAsyncLifetime
    where TDatabase : ITestDatabase, new()
{
    private const int AcknowledgedBeforeKill = 500;

    private readonly TDatabase _database = new();
    private readonly string _dataDirectory = Path.Combine(Path.GetTempPath(), $"shoal-crash-{Guid.NewGuid():N}");

    public async ValueTask InitializeAsync() => await _database.CreateAsync();

    [Fact]
    public async Task KillDuringIngest_EveryAcknowledgedReportIsStoredAfterRestart()
    {
        TestDevice device;
        IReadOnlyCollection<int> acknowledged;
        await using (var server = await ServerProcess.StartAsync(_database, _dataDirectory))
        {
            device = await server.RegisterDeviceAsync();
            using var client = await server.ConnectAsync(device);
            acknowledged = await server.PublishUntilKilledAsync(client, device, count => count >= AcknowledgedBeforeKill);
        }

        await using var restarted = await ServerProcess.StartAsync(_database, _dataDirectory);

        var stored = await _database.QueryAsync(db => db.DeviceDataPoints.Where(p => p.DeviceId == device.Id).Select(p => p.Data).ToListAsync());
        Assert.Empty(acknowledged.Except(stored.Select(data => JsonDocument.Parse(data).RootElement.GetProperty("sequence").GetInt32())));
    }

    [Fact]
    public async Task KillWithDeviceOnline_DeviceIsOfflineAfterRestartUntilItReconnects()
    {
        TestDevice device;
        await using (var server = await ServerProcess.StartAsync(_database, _dataDirectory))
        {
            device = await server.RegisterDeviceAsync();
            using var client = await server.ConnectAsync(device);
            Assert.Equal(DeviceStatus.Online, await StatusAsync(device));
            await server.KillAsync();
        }

        await using var restarted = await ServerProcess.StartAsync(_database, _dataDirectory);

        Assert.Equal(DeviceStatus.Offline, await StatusAsync(device));
        using var reconnected = await restarted.ConnectAsync(device);
        Assert.Equal(DeviceStatus.Online, await StatusAsync(device));
    }

    public async ValueTask DisposeAsync()
    {
        await _database.DisposeAsync();
        if (Directory.Exists(_dataDirectory))
        {
            Directory.Delete(_dataDirectory, recursive: true);
        }
        GC.SuppressFinalize(this);
    }

    private Task<DeviceStatus> StatusAsync(TestDevice device) =>
        _database.QueryAsync(db => db.Devices.Where(d => d.Id == device.Id).Select(d => d.Status).SingleAsync());
}

public sealed class CrashTestsOnSqlite : CrashTests<SqliteDatabase>;

public sealed class CrashTestsOnPostgres : CrashTests<PostgresDatabase>;
