using System.Net.Http.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Shoal.Server.Tests.Infrastructure;
using Shoal.Storage;

namespace Shoal.Server.Tests.Devices;

/// <summary>Shoal whose history retention deletes three rows per statement, so that tests can pass a batch with few rows.</summary>
public sealed class SmallBatchApplication<TDatabase> : ShoalApplication<TDatabase>
    where TDatabase : ITestDatabase, new()
{
    public const int BatchSize = 3;

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseSetting("Storage:HistoryRetentionBatchSize", BatchSize.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }
}

public abstract class HistoryRetentionTests<TDatabase>(SmallBatchApplication<TDatabase> shoal) : IClassFixture<SmallBatchApplication<TDatabase>>
    where TDatabase : ITestDatabase, new()
{
    /// <summary>The fake clock's time in whole seconds, which both databases store exactly.</summary>
    private DateTimeOffset Now => DateTimeOffset.FromUnixTimeSeconds(shoal.Time.GetUtcNow().ToUnixTimeSeconds());

    private async Task<(string ApplicationId, string DeviceId)> DeviceAsync(params (string Field, object? Value)[] fields)
    {
        var user = await shoal.SignUpAsync();
        var applicationId = (await user.Client.CreateApplicationAsync("plant", fields)).GetProperty("applicationId").GetString()!;
        return (applicationId, await user.Client.RegisterDeviceAsync(applicationId));
    }

    private Task StoreAsync((string ApplicationId, string DeviceId) device, DateTimeOffset eventTime) =>
        shoal.Services.StoreReportAsync(device.ApplicationId, device.DeviceId, "Meter", eventTime, """{"reading":1}""");

    private Task<int> RunRetentionAsync() =>
        shoal.Services.GetRequiredService<HistoryRetentionWorker>().RunOnceAsync(TestContext.Current.CancellationToken);

    [Fact]
    public async Task RunOnce_RowOlderThanTheStorageDuration_IsDeleted()
    {
        var device = await DeviceAsync(("storageDays", 3));
        await StoreAsync(device, Now.AddDays(-3).AddMinutes(-1));

        await RunRetentionAsync();

        Assert.Empty(await shoal.Services.StoredTimesAsync(device.DeviceId));
    }

    [Fact]
    public async Task RunOnce_RowWithinTheStorageDuration_Stays()
    {
        var device = await DeviceAsync(("storageDays", 3));
        var recent = Now.AddDays(-3).AddMinutes(1);
        await StoreAsync(device, recent);

        await RunRetentionAsync();

        Assert.Equal([recent], await shoal.Services.StoredTimesAsync(device.DeviceId));
    }

    [Fact]
    public async Task RunOnce_ClockPassesTheStorageDuration_DeletesTheRow()
    {
        var device = await DeviceAsync(("storageDays", 1));
        await StoreAsync(device, Now);

        shoal.Time.Advance(TimeSpan.FromDays(1) + TimeSpan.FromMinutes(1));
        await RunRetentionAsync();

        Assert.Empty(await shoal.Services.StoredTimesAsync(device.DeviceId));
    }

    [Fact]
    public async Task RunOnce_OtherApplicationWithALongerDuration_KeepsItsRows()
    {
        var shortLived = await DeviceAsync(("storageDays", 1));
        var longLived = await DeviceAsync(("storageDays", 7));
        var twoDaysAgo = Now.AddDays(-2);
        await StoreAsync(shortLived, twoDaysAgo);
        await StoreAsync(longLived, twoDaysAgo);

        await RunRetentionAsync();

        Assert.Empty(await shoal.Services.StoredTimesAsync(shortLived.DeviceId));
        Assert.Equal([twoDaysAgo], await shoal.Services.StoredTimesAsync(longLived.DeviceId));
    }

    [Fact]
    public async Task RunOnce_MoreExpiredRowsThanOneBatch_DeletesThemAllAndKeepsTheRecentOnes()
    {
        var device = await DeviceAsync(("storageDays", 1));
        for (var i = 0; i < (SmallBatchApplication<TDatabase>.BatchSize * 3) + 1; i++)
        {
            await StoreAsync(device, Now.AddDays(-2).AddMinutes(-i));
        }
        var recent = Now.AddHours(-1);
        await StoreAsync(device, recent);

        await RunRetentionAsync();

        Assert.Equal([recent], await shoal.Services.StoredTimesAsync(device.DeviceId));
    }

    [Fact]
    public async Task RunOnce_DataManagementSwitchedOff_DeletesEvenRecentRows()
    {
        var user = await shoal.SignUpAsync();
        var applicationId = (await user.Client.CreateApplicationAsync("plant")).GetProperty("applicationId").GetString()!;
        var deviceId = await user.Client.RegisterDeviceAsync(applicationId);
        await StoreAsync((applicationId, deviceId), Now.AddMinutes(-1));

        await (await user.Client.PutAsJsonAsync($"{ApplicationApi.Route}/{applicationId}", new { industry = "agriculture", dataManagement = false })).JsonAsync();
        await RunRetentionAsync();

        Assert.Empty(await shoal.Services.StoredTimesAsync(deviceId));
    }
}

public sealed class HistoryRetentionTestsOnSqlite(SmallBatchApplication<SqliteDatabase> shoal) : HistoryRetentionTests<SqliteDatabase>(shoal);

public sealed class HistoryRetentionTestsOnPostgres(SmallBatchApplication<PostgresDatabase> shoal) : HistoryRetentionTests<PostgresDatabase>(shoal);
