using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Shoal.Server.Tests.Gateway;
using Shoal.Server.Tests.Infrastructure;
using Shoal.Storage.Entities;

namespace Shoal.Server.Tests.Subscriptions;

/// <summary>The retry window is the operator's: a platform setting of 10 minutes to 7 days, 24 hours by default.</summary>
public abstract class PushRetryWindowTests<TDatabase>(PushApplication<TDatabase> shoal) : IClassFixture<PushApplication<TDatabase>>
    where TDatabase : ITestDatabase, new()
{
    private const string SettingsPath = "/api/v1/operator/settings";

    [Fact]
    public async Task UpdateSettings_RetryWindowOf10Minutes_ADeliveryFailingLongerGoesToTheDeadLetters()
    {
        await using var receiver = await PushReceiver.StartAsync();
        receiver.Answer = _ => 500;
        var (app, device) = await shoal.NewDeviceAsync();
        (await app.Na.SubscribeAsync("deviceDataChanged", receiver.Url())).EnsureSuccessStatusCode();
        using var client = await shoal.ConnectAsync(device);

        (await shoal.Operator.PutAsJsonAsync(SettingsPath, new { historyMaxDays = 7, pushRetryWindowMinutes = 10 })).EnsureSuccessStatusCode();
        await client.ReportAsync(device, """{"services":[{"service_id":"Temperature","properties":{"value":21.5}}]}""");
        await receiver.NextAsync();
        shoal.Time.Advance(TimeSpan.FromMinutes(11));

        await shoal.EventuallyAsync(db => db.PushDeliveries.AnyAsync(d => d.ApplicationId == app.Id && d.State == PushDeliveryState.DeadLettered));
        var letter = (await app.DeadLettersAsync()).GetProperty("items").EnumerateArray().Single();
        Assert.Contains("retry window of 00:10:00", letter.GetProperty("lastError").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task UpdateSettings_RetryWindowOf5Minutes_IsRefusedAndKeepsTheSetting()
    {
        var before = await shoal.Operator.GetFromJsonAsync<JsonElement>(SettingsPath);

        var response = await shoal.Operator.PutAsJsonAsync(SettingsPath, new { historyMaxDays = 7, pushRetryWindowMinutes = 5 });

        await response.FieldErrorAsync("pushRetryWindowMinutes");
        var after = await shoal.Operator.GetFromJsonAsync<JsonElement>(SettingsPath);
        Assert.Equal(before.GetProperty("pushRetryWindowMinutes").GetInt32(), after.GetProperty("pushRetryWindowMinutes").GetInt32());
    }

    [Fact]
    public async Task UpdateSettings_RetryWindowOver7Days_IsRefused()
    {
        var response = await shoal.Operator.PutAsJsonAsync(SettingsPath, new { historyMaxDays = 7, pushRetryWindowMinutes = 7 * 24 * 60 + 1 });

        await response.FieldErrorAsync("pushRetryWindowMinutes");
    }

    [Fact]
    public async Task GetSettings_Fresh_RetryWindowIs24HoursWithItsBounds()
    {
        await using var fresh = new ShoalApplication<TDatabase>();
        await fresh.InitializeAsync();

        var settings = await fresh.Operator.GetFromJsonAsync<JsonElement>(SettingsPath);

        Assert.Equal(
            (1440, 10, 10080),
            (settings.GetProperty("pushRetryWindowMinutes").GetInt32(), settings.GetProperty("pushRetryWindowMinutesFloor").GetInt32(),
                settings.GetProperty("pushRetryWindowMinutesCeiling").GetInt32()));
    }
}

public sealed class PushRetryWindowTestsOnSqlite(PushApplication<SqliteDatabase> shoal) : PushRetryWindowTests<SqliteDatabase>(shoal);

public sealed class PushRetryWindowTestsOnPostgres(PushApplication<PostgresDatabase> shoal) : PushRetryWindowTests<PostgresDatabase>(shoal);
