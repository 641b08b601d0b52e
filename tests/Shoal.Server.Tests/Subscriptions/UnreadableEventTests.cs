using System.Net;
using Microsoft.EntityFrameworkCore;
using Shoal.Server.Tests.Gateway;
using Shoal.Server.Tests.Infrastructure;
using Shoal.Storage.Entities;

namespace Shoal.Server.Tests.Subscriptions;

/// <summary>
/// A stored event no reader can turn into text (written before the gateway checked text: a lone surrogate behind an
/// escape) holds back nobody: it is dead-lettered, every other push goes out, and the device's data still reads.
/// </summary>
public abstract class UnreadableEventTests<TDatabase>(PushApplication<TDatabase> shoal) : IClassFixture<PushApplication<TDatabase>>
    where TDatabase : ITestDatabase, new()
{
    private const string Report = """{"services":[{"service_id":"Temperature","properties":{"value":21.5}}]}""";
    private const string UnreadableData = """{"v":"\ud800"}""";

    [Fact]
    public async Task UnreadableEvent_PushesOfOtherApplicationsAndOfItsOwnStillArrive()
    {
        await using var poisonedReceiver = await PushReceiver.StartAsync();
        await using var otherReceiver = await PushReceiver.StartAsync();
        var (poisoned, poisonedDevice) = await shoal.NewDeviceAsync();
        var (other, otherDevice) = await shoal.NewDeviceAsync();
        await poisoned.Na.SubscribeAsync("deviceDataChanged", poisonedReceiver.Url());
        await other.Na.SubscribeAsync("deviceDataChanged", otherReceiver.Url());
        await StoreUnreadableEventAsync(poisoned.Id, poisonedDevice.Id);
        using var otherClient = await shoal.ConnectAsync(otherDevice);
        using var poisonedClient = await shoal.ConnectAsync(poisonedDevice);

        await otherClient.ReportAsync(otherDevice, Report);
        await poisonedClient.ReportAsync(poisonedDevice, Report);

        Assert.Contains(otherDevice.Id, (await otherReceiver.NextAsync()).Body, StringComparison.Ordinal);
        Assert.Contains("21.5", (await poisonedReceiver.NextAsync()).Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnreadableEvent_IsADeadLetterThatSaysWhy()
    {
        await using var receiver = await PushReceiver.StartAsync();
        var (app, device) = await shoal.NewDeviceAsync();
        await app.Na.SubscribeAsync("deviceDataChanged", receiver.Url());
        var eventId = await StoreUnreadableEventAsync(app.Id, device.Id);

        await shoal.EventuallyAsync(db => db.PushDeliveries.AnyAsync(d => d.ApplicationId == app.Id && d.State == PushDeliveryState.DeadLettered));

        var letter = (await app.DeadLettersAsync()).GetProperty("items").EnumerateArray().Single();
        Assert.Contains($"event {eventId}", letter.GetProperty("lastError").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnreadableValue_LatestValuesAndHistoryStillAnswer()
    {
        var (app, device) = await shoal.NewDeviceAsync();
        await shoal.QueryAsync(db =>
        {
            db.DeviceServiceStates.Add(new DeviceServiceState { DeviceId = device.Id, ServiceId = "T", Data = UnreadableData, EventTime = shoal.Time.GetUtcNow() });
            db.DeviceDataPoints.Add(new DeviceDataPoint
            {
                ApplicationId = app.Id, DeviceId = device.Id, ServiceId = "T", Data = UnreadableData, PropertyNames = ",v,",
                EventTime = shoal.Time.GetUtcNow(), ReceivedAt = shoal.Time.GetUtcNow(),
            });
            return db.SaveChangesAsync();
        });
        var devicePath = $"/api/v1/applications/{app.Id}/devices/{device.Id}";

        var services = await app.Owner.Client.GetAsync($"{devicePath}/services");
        var history = await app.Owner.Client.GetAsync($"{devicePath}/history");
        var northbound = await app.Na.GetAsync($"/iocm/app/data/v1.2.0/deviceDataHistory?deviceId={device.Id}&gatewayId={device.Id}");

        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK), (services.StatusCode, history.StatusCode, northbound.StatusCode));
        Assert.Contains("unreadable", await services.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    /// <summary>A report event as an earlier gateway stored it; returns its ID.</summary>
    private Task<long> StoreUnreadableEventAsync(string applicationId, string deviceId) => shoal.QueryAsync(async db =>
    {
        var deviceEvent = new DeviceEvent
        {
            ApplicationId = applicationId,
            DeviceId = deviceId,
            Type = DeviceEventType.PropertiesReported,
            Payload = $$"""{"services":[{"serviceId":"T","data":{{UnreadableData}},"eventTime":"20261125T101500Z"}]}""",
            CreatedAt = shoal.Time.GetUtcNow(),
        };
        db.DeviceEvents.Add(deviceEvent);
        await db.SaveChangesAsync();
        return deviceEvent.Id;
    });
}

public sealed class UnreadableEventTestsOnSqlite(PushApplication<SqliteDatabase> shoal) : UnreadableEventTests<SqliteDatabase>(shoal);

public sealed class UnreadableEventTestsOnPostgres(PushApplication<PostgresDatabase> shoal) : UnreadableEventTests<PostgresDatabase>(shoal);
