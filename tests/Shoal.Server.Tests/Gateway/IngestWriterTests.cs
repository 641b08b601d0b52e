using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using MQTTnet.Formatter;
using Npgsql;
using Shoal.Gateway;
using Shoal.Server.Tests.Infrastructure;
using Shoal.Storage;
using Shoal.Storage.Ingest;

namespace Shoal.Server.Tests.Gateway;

/// <summary>
/// Batches as the ingest writer commits them. Each test drives a writer of its own, on a queue of its own, so that it
/// decides what one batch holds.
/// </summary>
public abstract class IngestWriterTests<TDatabase>(GatewayApplication<TDatabase> shoal) : IClassFixture<GatewayApplication<TDatabase>>
    where TDatabase : ITestDatabase, new()
{
    private protected static readonly DateTimeOffset Earlier = new(2026, 11, 25, 10, 15, 0, TimeSpan.Zero);

    private protected GatewayApplication<TDatabase> Shoal => shoal;

    [Fact]
    public async Task RunOnce_DeviceDeletedMidBatch_CommitsTheOthersAndFailsOnlyItsItem()
    {
        var (app, kept) = await shoal.NewDeviceAsync();
        var deleted = await shoal.RegisterAsync(app.Na, $"node-{Guid.NewGuid():N}");
        var keptReport = Report(Connection(kept, app.Id), Earlier, "1");
        var deletedReport = Report(Connection(deleted, app.Id), Earlier, "2");
        await shoal.QueryAsync(db => db.Devices.Where(d => d.Id == deleted.Id).ExecuteDeleteAsync());

        await RunOneBatchAsync(keptReport, deletedReport);

        await keptReport.Stored;
        await Assert.ThrowsAnyAsync<Exception>(() => deletedReport.Stored);
        Assert.True(await shoal.QueryAsync(db => db.DeviceDataPoints.AnyAsync(p => p.DeviceId == kept.Id)));
        Assert.NotNull(keptReport.Event);
        Assert.True(await shoal.QueryAsync(db => db.DeviceEvents.AnyAsync(e => e.Id == keptReport.Event!.Id && e.DeviceId == kept.Id)));
    }

    [Fact]
    public async Task RunOnce_OlderValueAfterANewerOneInOneBatch_KeepsTheNewerAsTheLatestValue()
    {
        var (app, device) = await shoal.NewDeviceAsync();
        var connection = Connection(device, app.Id);
        var newer = Report(connection, Earlier.AddMinutes(1), "2");
        var older = Report(connection, Earlier, "1");

        await RunOneBatchAsync(newer, older);

        await Task.WhenAll(newer.Stored, older.Stored);
        var state = await shoal.QueryAsync(db => db.DeviceServiceStates.AsNoTracking().SingleAsync(s => s.DeviceId == device.Id));
        Assert.Equal(("""{"value":2}""", Earlier.AddMinutes(1)), (state.Data, state.EventTime));
        Assert.Equal(2, await shoal.QueryAsync(db => db.DeviceDataPoints.CountAsync(p => p.DeviceId == device.Id)));
    }

    private protected async Task RunOneBatchAsync(params IngestItem[] items)
    {
        var options = shoal.Services.GetRequiredService<IOptions<GatewayOptions>>();
        var queue = new IngestQueue(options);
        foreach (var item in items)
        {
            // Queued at once (the queue has room); the test awaits each item's Stored instead of this call.
            _ = queue.StoreAsync(item, CancellationToken.None);
        }
        await using var store = IngestStore.Create(shoal.Services.GetRequiredService<IServiceScopeFactory>());
        var writer = new IngestWriter(queue, store, new EventLogSignal(), new Changes(relayed: false), options, shoal.Time,
            shoal.Services.GetRequiredService<GatewayMetrics>(), NullLogger<IngestWriter>.Instance);

        Assert.Equal(items.Length, await writer.RunOnceAsync(CancellationToken.None));
    }

    private protected static DeviceConnection Connection(TestDevice device, string applicationId) =>
        new(device.Id, applicationId, dataManagement: true, $"{device.Id}_0_1_2026112510", MqttProtocolVersion.V500);

    private protected PropertiesReported Report(DeviceConnection connection, DateTimeOffset eventTime, string value) =>
        new(connection, shoal.Time.GetUtcNow(), [new ReportedService("Temperature", $$"""{"value":{{value}}}""", ["value"], eventTime)]);
}

public sealed class IngestWriterTestsOnSqlite(GatewayApplication<SqliteDatabase> shoal) : IngestWriterTests<SqliteDatabase>(shoal);

public sealed class IngestWriterTestsOnPostgres(GatewayApplication<PostgresDatabase> shoal) : IngestWriterTests<PostgresDatabase>(shoal)
{
    /// <summary>
    /// The fan-outs lock the event log against writers, read after their cursor and move it: an event ID drawn before
    /// that lock but committed after it would fall below the cursor and never be read.
    /// </summary>
    [Fact]
    public async Task RunOnce_WhileAFanOutHoldsTheEventLog_DrawsEventIdsOnlyOnceItIsReleased()
    {
        var (app, device) = await Shoal.NewDeviceAsync();
        var report = Report(Connection(device, app.Id), Earlier, "1");
        await using var fanOut = new NpgsqlConnection(Shoal.Database.ConnectionString);
        await fanOut.OpenAsync();
        await using var transaction = await fanOut.BeginTransactionAsync();
        await Execute(fanOut, """LOCK TABLE "DeviceEvents" IN SHARE ROW EXCLUSIVE MODE""");

        var running = RunOneBatchAsync(report);
        await WaitForALockWaiterAsync();
        var drawnByTheFanOut = (long)(await Execute(fanOut, """SELECT nextval(pg_get_serial_sequence('"DeviceEvents"', 'Id'))"""))!;
        await transaction.CommitAsync();
        await running;

        await report.Stored;
        Assert.True(report.Event!.Id > drawnByTheFanOut);
    }

    private async Task WaitForALockWaiterAsync()
    {
        await using var watcher = new NpgsqlConnection(Shoal.Database.ConnectionString);
        await watcher.OpenAsync();
        using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        while ((long)(await Execute(watcher, """SELECT count(*) FROM pg_locks WHERE relation = '"DeviceEvents"'::regclass AND NOT granted"""))! == 0)
        {
            await Task.Delay(20, deadline.Token);
        }
    }

    private static async Task<object?> Execute(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        return await command.ExecuteScalarAsync();
    }
}
