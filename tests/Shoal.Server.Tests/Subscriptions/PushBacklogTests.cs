using System.Net;
using Microsoft.AspNetCore.Hosting;
using Microsoft.EntityFrameworkCore;
using Shoal.Server.Tests.Gateway;
using Shoal.Server.Tests.Infrastructure;
using Shoal.Storage.Entities;

namespace Shoal.Server.Tests.Subscriptions;

/// <summary>Shoal whose applications may keep only two pushes waiting.</summary>
public sealed class SmallBacklogApplication<TDatabase> : PushApplication<TDatabase>
    where TDatabase : ITestDatabase, new()
{
    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseSetting("Delivery:BacklogCap", "2");
    }
}

/// <summary>Pushes that cannot be delivered wait within the application's backlog cap, and what is beyond it is visible.</summary>
public abstract class PushBacklogTests<TDatabase>(SmallBacklogApplication<TDatabase> shoal) : IClassFixture<SmallBacklogApplication<TDatabase>>
    where TDatabase : ITestDatabase, new()
{
    [Fact]
    public async Task Report_BacklogFull_DeadLettersTheNewPushWithTheReason()
    {
        await using var receiver = await PushReceiver.StartAsync();
        receiver.Answer = _ => 503;
        var (app, device) = await shoal.NewDeviceAsync();
        var subscriptionId = (await (await app.Na.SubscribeAsync("deviceDataChanged", receiver.Url())).JsonAsync(HttpStatusCode.Created))
            .GetProperty("subscriptionId").GetString();
        using var client = await shoal.ConnectAsync(device);

        for (var i = 0; i < 3; i++)
        {
            await client.ReportAsync(device, """{"services":[{"service_id":"Temperature","properties":{"value":1}}]}""");
        }

        await shoal.EventuallyAsync(db => db.PushDeliveries.AnyAsync(d => d.SubscriptionId == subscriptionId && d.State == PushDeliveryState.DeadLettered));
        var overview = await app.PushOverviewAsync();
        Assert.Equal((2, 2), (overview.GetProperty("backlog").GetInt32(), overview.GetProperty("backlogCap").GetInt32()));
        var letter = (await app.DeadLettersAsync()).GetProperty("items").EnumerateArray().Single();
        Assert.Contains("backlog", letter.GetProperty("lastError").GetString(), StringComparison.Ordinal);
    }
}

public sealed class PushBacklogTestsOnSqlite(SmallBacklogApplication<SqliteDatabase> shoal) : PushBacklogTests<SqliteDatabase>(shoal);

public sealed class PushBacklogTestsOnPostgres(SmallBacklogApplication<PostgresDatabase> shoal) : PushBacklogTests<PostgresDatabase>(shoal);
