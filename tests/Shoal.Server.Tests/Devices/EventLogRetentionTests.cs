using Microsoft.AspNetCore.Hosting;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Shoal.Server.Tests.Infrastructure;
using Shoal.Storage;
using Shoal.Storage.Entities;

namespace Shoal.Server.Tests.Devices;

/// <summary>
/// Shoal whose push and rule followers read the event log once at start and then only when a test moves their cursors,
/// and whose event-log retention deletes three events per statement.
/// </summary>
public sealed class EventLogRetentionApplication<TDatabase> : ShoalApplication<TDatabase>
    where TDatabase : ITestDatabase, new()
{
    public const int BatchSize = 3;

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseSetting("Delivery:PollInterval", "1.00:00:00");
        builder.UseSetting("Messages:PollInterval", "1.00:00:00");
        builder.UseSetting("Storage:EventLogRetentionBatchSize", BatchSize.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }
}

/// <summary>Device events leave the log once both followers have read them and <c>Storage:EventLogRetention</c> (1 day) has passed.</summary>
public abstract class EventLogRetentionTests<TDatabase>(EventLogRetentionApplication<TDatabase> shoal) : IClassFixture<EventLogRetentionApplication<TDatabase>>
    where TDatabase : ITestDatabase, new()
{
    private static readonly TimeSpan Retention = TimeSpan.FromDays(1);

    private DateTimeOffset Now => DateTimeOffset.FromUnixTimeSeconds(shoal.Time.GetUtcNow().ToUnixTimeSeconds());

    [Fact]
    public async Task RunOnce_EventBothFollowersReadPastTheRetention_IsDeleted()
    {
        var id = await StoreEventAsync(Now - Retention - TimeSpan.FromMinutes(1));
        await MoveCursorsAsync(pushed: id, evaluated: id);

        await RunRetentionAsync();

        Assert.False(await ExistsAsync(id));
    }

    [Fact]
    public async Task RunOnce_EventWithinTheRetention_Stays()
    {
        var id = await StoreEventAsync(Now - Retention + TimeSpan.FromMinutes(1));
        await MoveCursorsAsync(pushed: id, evaluated: id);

        await RunRetentionAsync();

        Assert.True(await ExistsAsync(id));
    }

    [Fact]
    public async Task RunOnce_EventTheRuleFollowerHasNotRead_StaysHoweverOld()
    {
        var id = await StoreEventAsync(Now - TimeSpan.FromDays(30));
        await MoveCursorsAsync(pushed: id, evaluated: id - 1);

        await RunRetentionAsync();

        Assert.True(await ExistsAsync(id));
    }

    [Fact]
    public async Task RunOnce_EventThePushFollowerHasNotRead_StaysHoweverOld()
    {
        var id = await StoreEventAsync(Now - TimeSpan.FromDays(30));
        await MoveCursorsAsync(pushed: id - 1, evaluated: id);

        await RunRetentionAsync();

        Assert.True(await ExistsAsync(id));
    }

    [Fact]
    public async Task RunOnce_MoreReadEventsThanOneBatch_DeletesThemAll()
    {
        var ids = new List<long>();
        for (var i = 0; i < 2 * EventLogRetentionApplication<TDatabase>.BatchSize + 1; i++)
        {
            ids.Add(await StoreEventAsync(Now - Retention - TimeSpan.FromHours(1)));
        }
        await MoveCursorsAsync(pushed: ids[^1], evaluated: ids[^1]);

        await RunRetentionAsync();

        Assert.Equal(0, await QueryAsync(db => db.DeviceEvents.CountAsync(e => ids.Contains(e.Id))));
    }

    private async Task<long> StoreEventAsync(DateTimeOffset createdAt)
    {
        var user = await shoal.SignUpAsync();
        var applicationId = (await user.Client.CreateApplicationAsync("log")).GetProperty("applicationId").GetString()!;
        var deviceId = await user.Client.RegisterDeviceAsync(applicationId);
        return await QueryAsync(async db =>
        {
            var deviceEvent = new DeviceEvent
            {
                ApplicationId = applicationId,
                DeviceId = deviceId,
                Type = DeviceEventType.MessageUp,
                Payload = """{"n":1}""",
                CreatedAt = createdAt,
            };
            db.DeviceEvents.Add(deviceEvent);
            await db.SaveChangesAsync(TestContext.Current.CancellationToken);
            return deviceEvent.Id;
        });
    }

    private async Task MoveCursorsAsync(long pushed, long evaluated) => await QueryAsync(async db =>
    {
        var push = await db.PushCursors.SingleOrDefaultAsync(TestContext.Current.CancellationToken);
        if (push is null)
        {
            db.PushCursors.Add(push = new PushCursor { Id = 1 });
        }
        var rules = await db.RuleCursors.SingleOrDefaultAsync(TestContext.Current.CancellationToken);
        if (rules is null)
        {
            db.RuleCursors.Add(rules = new RuleCursor { Id = 1 });
        }
        push.LastEventId = pushed;
        rules.LastEventId = evaluated;
        return await db.SaveChangesAsync(TestContext.Current.CancellationToken);
    });

    private Task<bool> ExistsAsync(long id) => QueryAsync(db => db.DeviceEvents.AnyAsync(e => e.Id == id, TestContext.Current.CancellationToken));

    private Task<int> RunRetentionAsync() =>
        shoal.Services.GetRequiredService<EventLogRetentionWorker>().RunOnceAsync(TestContext.Current.CancellationToken);

    private async Task<T> QueryAsync<T>(Func<ShoalDb, Task<T>> query)
    {
        await using var scope = shoal.Services.CreateAsyncScope();
        return await query(scope.ServiceProvider.GetRequiredService<ShoalDb>());
    }
}

public sealed class EventLogRetentionTestsOnSqlite(EventLogRetentionApplication<SqliteDatabase> shoal) : EventLogRetentionTests<SqliteDatabase>(shoal);

public sealed class EventLogRetentionTestsOnPostgres(EventLogRetentionApplication<PostgresDatabase> shoal) : EventLogRetentionTests<PostgresDatabase>(shoal);
