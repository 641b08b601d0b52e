using Microsoft.AspNetCore.Hosting;
using Shoal.Server.Tests.Gateway;
using Shoal.Server.Tests.Infrastructure;

namespace Shoal.Server.Tests.Subscriptions;

/// <summary>Shoal that waits an hour for a receiver to answer, so a hanging receiver hangs for the whole test.</summary>
public sealed class PatientPushApplication<TDatabase> : PushApplication<TDatabase>
    where TDatabase : ITestDatabase, new()
{
    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseSetting("Delivery:Timeout", "01:00:00");
    }
}

/// <summary>One application's slow receiver holds back only its own pushes, never another application's.</summary>
public abstract class PushFairnessTests<TDatabase>(PatientPushApplication<TDatabase> shoal) : IClassFixture<PatientPushApplication<TDatabase>>
    where TDatabase : ITestDatabase, new()
{
    private const string Report = """{"services":[{"service_id":"Meter","properties":{"reading":7}}]}""";

    [Fact]
    public async Task Push_AnotherApplicationsReceiverHangs_ThisOnesStillArrive()
    {
        var release = new TaskCompletionSource();
        await using var hanging = await PushReceiver.StartAsync();
        await using var healthy = await PushReceiver.StartAsync();
        hanging.Hold = release.Task;
        var (slow, slowDevice) = await shoal.NewDeviceAsync();
        var (quick, quickDevice) = await shoal.NewDeviceAsync();
        await slow.Na.SubscribeAsync("deviceDataChanged", hanging.Url());
        await quick.Na.SubscribeAsync("deviceDataChanged", healthy.Url());
        using var slowClient = await shoal.ConnectAsync(slowDevice);
        using var quickClient = await shoal.ConnectAsync(quickDevice);
        await slowClient.ReportAsync(slowDevice, Report);
        await hanging.NextAsync();

        await quickClient.ReportAsync(quickDevice, Report);
        var push = await healthy.NextAsync();

        Assert.False(release.Task.IsCompleted);
        Assert.Contains(quickDevice.Id, push.Body, StringComparison.Ordinal);
        release.SetResult();
    }

    [Fact]
    public async Task Push_ManyForOneHangingReceiver_TakeOnlyItsShareAndAnotherApplicationsStillArrive()
    {
        var release = new TaskCompletionSource();
        await using var hanging = await PushReceiver.StartAsync();
        await using var healthy = await PushReceiver.StartAsync();
        hanging.Hold = release.Task;
        var (slow, _) = await shoal.NewDeviceAsync();
        var (quick, quickDevice) = await shoal.NewDeviceAsync();
        await slow.Na.SubscribeAsync("deviceDataChanged", hanging.Url());
        await quick.Na.SubscribeAsync("deviceDataChanged", healthy.Url());
        using var quickClient = await shoal.ConnectAsync(quickDevice);
        // Pushes about one device leave one at a time, so the share is taken by pushes about different devices.
        for (var d = 0; d < shoal.DeliveryOptions.MaxConcurrentPushesPerDestination + 2; d++)
        {
            var slowDevice = await shoal.RegisterAsync(slow.Na, $"node-{Guid.NewGuid():N}");
            using var slowClient = await shoal.ConnectAsync(slowDevice);
            await slowClient.ReportAsync(slowDevice, Report);
            await slowClient.ReportAsync(slowDevice, Report);
        }
        for (var i = 0; i < shoal.DeliveryOptions.MaxConcurrentPushesPerDestination; i++)
        {
            await hanging.NextAsync();
        }

        await quickClient.ReportAsync(quickDevice, Report);
        var push = await healthy.NextAsync();

        Assert.Contains(quickDevice.Id, push.Body, StringComparison.Ordinal);
        Assert.Equal(shoal.DeliveryOptions.MaxConcurrentPushesPerDestination, hanging.Received.Count);
        release.SetResult();
    }
}

public sealed class PushFairnessTestsOnSqlite(PatientPushApplication<SqliteDatabase> shoal) : PushFairnessTests<SqliteDatabase>(shoal);

public sealed class PushFairnessTestsOnPostgres(PatientPushApplication<PostgresDatabase> shoal) : PushFairnessTests<PostgresDatabase>(shoal);
