using Microsoft.AspNetCore.Hosting;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Shoal.Delivery;
using Shoal.Server.Tests.Infrastructure;
using Shoal.Storage;
using Shoal.Storage.Entities;

namespace Shoal.Server.Tests.Subscriptions;

/// <summary>Shoal whose push retention deletes three pushes per statement, so that tests can pass a batch with few rows.</summary>
public sealed class PushRetentionApplication<TDatabase> : ShoalApplication<TDatabase>
    where TDatabase : ITestDatabase, new()
{
    public const int BatchSize = 3;

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseSetting("Delivery:RetentionBatchSize", BatchSize.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }
}

/// <summary>Delivered pushes with their attempts, and sent rule messages, leave the outboxes after <c>Delivery:DeliveredRetention</c> (7 days); dead letters stay.</summary>
public abstract class PushRetentionTests<TDatabase>(PushRetentionApplication<TDatabase> shoal) : IClassFixture<PushRetentionApplication<TDatabase>>
    where TDatabase : ITestDatabase, new()
{
    private static readonly TimeSpan Retention = TimeSpan.FromDays(7);

    /// <summary>The fake clock's time in whole seconds, which both databases store exactly.</summary>
    private DateTimeOffset Now => DateTimeOffset.FromUnixTimeSeconds(shoal.Time.GetUtcNow().ToUnixTimeSeconds());

    [Fact]
    public async Task RunOnce_DeliveredPushOlderThanTheRetention_IsDeletedWithItsAttempts()
    {
        var id = await StoreAsync(PushDeliveryState.Delivered, Now - Retention - TimeSpan.FromMinutes(1));

        await RunRetentionAsync();

        Assert.Equal((0, 0), await CountAsync(id));
    }

    [Fact]
    public async Task RunOnce_DeliveredPushWithinTheRetention_Stays()
    {
        var id = await StoreAsync(PushDeliveryState.Delivered, Now - Retention + TimeSpan.FromMinutes(1));

        await RunRetentionAsync();

        Assert.Equal((1, 1), await CountAsync(id));
    }

    [Fact]
    public async Task RunOnce_DeadLetterOlderThanTheRetention_Stays()
    {
        var id = await StoreAsync(PushDeliveryState.DeadLettered, Now - Retention - TimeSpan.FromDays(30));

        await RunRetentionAsync();

        Assert.Equal((1, 1), await CountAsync(id));
    }

    [Fact]
    public async Task RunOnce_MoreExpiredPushesThanOneBatch_DeletesThemAll()
    {
        var ids = new List<long>();
        for (var i = 0; i < 2 * PushRetentionApplication<TDatabase>.BatchSize + 1; i++)
        {
            ids.Add(await StoreAsync(PushDeliveryState.Delivered, Now - Retention - TimeSpan.FromHours(1)));
        }

        await RunRetentionAsync();

        Assert.Equal(0, await QueryAsync(db => db.PushDeliveries.CountAsync(d => ids.Contains(d.Id))));
    }

    [Fact]
    public async Task RunOnce_SentRuleMessageOlderThanTheRetention_IsDeleted()
    {
        var id = await StoreMessageAsync(RuleMessageState.Sent, Now - Retention - TimeSpan.FromMinutes(1));

        await RunRetentionAsync();

        Assert.False(await QueryAsync(db => db.RuleMessages.AnyAsync(m => m.Id == id)));
    }

    [Fact]
    public async Task RunOnce_DeadRuleMessageOlderThanTheRetention_Stays()
    {
        var id = await StoreMessageAsync(RuleMessageState.DeadLettered, Now - Retention - TimeSpan.FromDays(30));

        await RunRetentionAsync();

        Assert.True(await QueryAsync(db => db.RuleMessages.AnyAsync(m => m.Id == id)));
    }

    /// <summary>A finished rule e-mail; returns its ID.</summary>
    private Task<long> StoreMessageAsync(RuleMessageState state, DateTimeOffset finishedAt) => QueryAsync(async db =>
    {
        var message = new RuleMessage
        {
            ApplicationId = "app",
            Channel = RuleActionType.Email,
            Recipients = "ops@example.com",
            Body = "hot",
            CreatedAt = finishedAt - TimeSpan.FromSeconds(1),
            NextAttemptAt = finishedAt - TimeSpan.FromSeconds(1),
            State = state,
            Attempts = 1,
            FinishedAt = finishedAt,
        };
        db.RuleMessages.Add(message);
        await db.SaveChangesAsync();
        return message.Id;
    });

    /// <summary>A finished push to a command's callback URL, with one attempt; returns its ID.</summary>
    private async Task<long> StoreAsync(PushDeliveryState state, DateTimeOffset finishedAt)
    {
        await using var scope = shoal.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ShoalDb>();
        var delivery = new PushDelivery
        {
            WebhookId = $"msg_{Guid.NewGuid():N}",
            CallbackUrl = "http://127.0.0.1/command",
            ApplicationId = "app",
            NotifyType = NotifyTypes.CommandRsp,
            Body = "{}",
            CreatedAt = finishedAt - TimeSpan.FromSeconds(1),
            NextAttemptAt = finishedAt - TimeSpan.FromSeconds(1),
            State = state,
            Attempts = 1,
            FinishedAt = finishedAt,
        };
        db.PushDeliveries.Add(delivery);
        await db.SaveChangesAsync();
        db.PushAttempts.Add(new PushAttempt { DeliveryId = delivery.Id, At = finishedAt, Status = 200, LatencyMilliseconds = 3 });
        await db.SaveChangesAsync();
        return delivery.Id;
    }

    private Task<int> RunRetentionAsync() =>
        shoal.Services.GetRequiredService<OutboxRetentionWorker>().RunOnceAsync(TestContext.Current.CancellationToken);

    private Task<(int Deliveries, int Attempts)> CountAsync(long id) =>
        QueryAsync(async db => (await db.PushDeliveries.CountAsync(d => d.Id == id), await db.PushAttempts.CountAsync(a => a.DeliveryId == id)));

    private async Task<T> QueryAsync<T>(Func<ShoalDb, Task<T>> query)
    {
        await using var scope = shoal.Services.CreateAsyncScope();
        return await query(scope.ServiceProvider.GetRequiredService<ShoalDb>());
    }
}

public sealed class PushRetentionTestsOnSqlite(PushRetentionApplication<SqliteDatabase> shoal) : PushRetentionTests<SqliteDatabase>(shoal);

public sealed class PushRetentionTestsOnPostgres(PushRetentionApplication<PostgresDatabase> shoal) : PushRetentionTests<PostgresDatabase>(shoal);
