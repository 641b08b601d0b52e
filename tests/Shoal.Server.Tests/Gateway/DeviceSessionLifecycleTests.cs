using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MQTTnet;
using Shoal.Gateway;
using Shoal.Server.Tests.Infrastructure;

namespace Shoal.Server.Tests.Gateway;

/// <summary>A device that may no longer connect loses the session it has; "last seen" follows what it sends.</summary>
public abstract class DeviceSessionLifecycleTests<TDatabase>(GatewayApplication<TDatabase> shoal) : IClassFixture<GatewayApplication<TDatabase>>
    where TDatabase : ITestDatabase, new()
{
    /// <summary>PostgreSQL keeps microseconds of the clock's ticks.</summary>
    private static readonly TimeSpan StoredPrecision = TimeSpan.FromMilliseconds(1);

    private const string Report = """{"services":[{"service_id":"Meter","properties":{"kwh":1}}]}""";

    [Fact]
    public async Task Delete_WhileConnected_EndsTheSessionWithAnAdministrativeAction()
    {
        var (app, device) = await shoal.NewDeviceAsync();
        var (client, ended) = await ConnectAsync(device);

        Assert.Equal(System.Net.HttpStatusCode.NoContent, (await app.Na.SendAsync(HttpMethod.Delete, $"/iocm/app/dm/v1.4.0/devices/{device.Id}")).StatusCode);

        Assert.Equal(MqttClientDisconnectReason.AdministrativeAction, (await ended.WaitAsync(TimeSpan.FromMinutes(1))).Reason);
        client.Dispose();
    }

    [Fact]
    public async Task FreezeApplication_WhileConnected_EndsTheSession()
    {
        var (app, device) = await shoal.NewDeviceAsync();
        var (client, ended) = await ConnectAsync(device);

        (await shoal.Operator.PostAsync($"/api/v1/operator/applications/{app.Id}/freeze", null)).EnsureSuccessStatusCode();

        await ended.WaitAsync(TimeSpan.FromMinutes(1));
        client.Dispose();
    }

    [Fact]
    public async Task Review_DeviceDeletedByAnotherNode_EndsTheSession()
    {
        var (_, device) = await shoal.NewDeviceAsync();
        var (client, ended) = await ConnectAsync(device);
        await shoal.QueryAsync(db => db.Devices.Where(d => d.Id == device.Id).ExecuteDeleteAsync());

        await shoal.Services.GetRequiredService<SessionReview>().RunOnceAsync(CancellationToken.None);

        await ended.WaitAsync(TimeSpan.FromMinutes(1));
        client.Dispose();
    }

    [Fact]
    public async Task Review_DeviceStillAllowed_KeepsTheSession()
    {
        var (_, device) = await shoal.NewDeviceAsync();
        using var client = await shoal.ConnectAsync(device);

        await shoal.Services.GetRequiredService<SessionReview>().RunOnceAsync(CancellationToken.None);

        Assert.True((await client.ReportAsync(device, Report)).IsSuccess);
        Assert.True(client.IsConnected);
    }

    [Fact]
    public async Task Report_MovesLastSeenToItsReceiveTime()
    {
        var (_, device) = await shoal.NewDeviceAsync();
        using var client = await shoal.ConnectAsync(device);
        shoal.Time.Advance(TimeSpan.FromMinutes(5));
        var reportedAt = shoal.Time.GetUtcNow();

        await client.ReportAsync(device, Report);
        await WriteLastSeenAsync();

        Assert.Equal(reportedAt, (await LastSeenAsync(device))!.Value, StoredPrecision);
    }

    [Fact]
    public async Task Report_WithinAMinuteOfTheLastNote_DoesNotMoveLastSeenAgain()
    {
        var (_, device) = await shoal.NewDeviceAsync();
        using var client = await shoal.ConnectAsync(device);
        shoal.Time.Advance(TimeSpan.FromMinutes(5));
        var notedAt = shoal.Time.GetUtcNow();
        await client.ReportAsync(device, Report);
        await WriteLastSeenAsync();

        shoal.Time.Advance(TimeSpan.FromSeconds(30));
        await client.ReportAsync(device, Report);
        await WriteLastSeenAsync();

        Assert.Equal(notedAt, (await LastSeenAsync(device))!.Value, StoredPrecision);
    }

    private async Task<(IMqttClient Client, Task<MqttClientDisconnectedEventArgs> Ended)> ConnectAsync(TestDevice device)
    {
        var ended = new TaskCompletionSource<MqttClientDisconnectedEventArgs>(TaskCreationOptions.RunContinuationsAsynchronously);
        var client = await shoal.ConnectAsync(device, beforeConnect: c => c.DisconnectedAsync += e =>
        {
            ended.TrySetResult(e);
            return Task.CompletedTask;
        });
        return (client, ended.Task);
    }

    private Task WriteLastSeenAsync() => shoal.Services.GetRequiredService<LastSeenWriter>().WriteAsync(CancellationToken.None);

    private Task<DateTimeOffset?> LastSeenAsync(TestDevice device) =>
        shoal.QueryAsync(db => db.Devices.Where(d => d.Id == device.Id).Select(d => d.LastSeenAt).SingleAsync());
}

public sealed class DeviceSessionLifecycleTestsOnSqlite(GatewayApplication<SqliteDatabase> shoal) : DeviceSessionLifecycleTests<SqliteDatabase>(shoal);

public sealed class DeviceSessionLifecycleTestsOnPostgres(GatewayApplication<PostgresDatabase> shoal) : DeviceSessionLifecycleTests<PostgresDatabase>(shoal);
