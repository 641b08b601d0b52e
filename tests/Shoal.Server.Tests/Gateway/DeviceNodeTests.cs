using Microsoft.EntityFrameworkCore;
using MQTTnet;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using MQTTnet.Formatter;
using Shoal.Gateway;
using Shoal.Server.Tests.Infrastructure;
using Shoal.Storage;
using Shoal.Storage.Entities;

namespace Shoal.Server.Tests.Gateway;

/// <summary>
/// Which node holds a device's connection, so that a node that died and starts again sets its leftover
/// devices OFFLINE and leaves other nodes' devices alone. The kill -9 itself is in <see cref="CrashTests{TDatabase}"/>.
/// </summary>
public abstract class DeviceNodeTests<TDatabase>(GatewayApplication<TDatabase> shoal) : IClassFixture<GatewayApplication<TDatabase>>
    where TDatabase : ITestDatabase, new()
{
    private const string OtherNode = "other-node";

    private string ThisNode => shoal.Services.GetRequiredService<IOptions<GatewayOptions>>().Value.Node;

    [Fact]
    public async Task Connect_RecordsThisNodeAsHoldingTheConnection()
    {
        var (_, device) = await shoal.NewDeviceAsync();

        using var client = await shoal.ConnectAsync(device);

        Assert.Equal(ThisNode, await ConnectedNodeAsync(device));
    }

    [Fact]
    public async Task Disconnect_ClearsTheNodeHoldingTheConnection()
    {
        var (_, device) = await shoal.NewDeviceAsync();
        var client = await shoal.ConnectAsync(device);

        await client.DisconnectAsync();

        await shoal.EventuallyAsync(db => db.Devices.AnyAsync(d => d.Id == device.Id && d.Status == DeviceStatus.Offline && d.ConnectedNode == null));
    }

    [Fact]
    public async Task Disconnect_AfterAnotherNodeTookTheDeviceOver_LeavesItOnline()
    {
        var (app, device) = await shoal.NewDeviceAsync();
        await SetOnlineAsync(device, OtherNode);

        await shoal.Services.GetRequiredService<IngestQueue>().StoreAsync(
            new DeviceDisconnected(new DeviceConnection(device.Id, app.Id, true, device.ClientId(0, "2026112500"), MqttProtocolVersion.V500), shoal.Time.GetUtcNow(), "The device disconnected."),
            CancellationToken.None);

        Assert.Equal(DeviceStatus.Online, await StatusAsync(device));
        Assert.Equal(OtherNode, await ConnectedNodeAsync(device));
    }

    [Fact]
    public async Task Release_DeviceLeftOnlineByThisNode_IsSetOffline()
    {
        var (_, device) = await shoal.NewDeviceAsync();
        await SetOnlineAsync(device, ThisNode);

        await shoal.Services.GetRequiredService<StaleConnections>().ReleaseAsync(CancellationToken.None);

        Assert.Equal(DeviceStatus.Offline, await StatusAsync(device));
        Assert.Null(await ConnectedNodeAsync(device));
    }

    [Fact]
    public async Task Release_DeviceHeldByAnotherNode_StaysOnline()
    {
        var (_, device) = await shoal.NewDeviceAsync();
        await SetOnlineAsync(device, OtherNode);

        await shoal.Services.GetRequiredService<StaleConnections>().ReleaseAsync(CancellationToken.None);

        Assert.Equal(DeviceStatus.Online, await StatusAsync(device));
    }

    [Fact]
    public async Task ConnectAndDisconnect_LogOnlineThenOfflineStatusEvents()
    {
        var (_, device) = await shoal.NewDeviceAsync();
        var client = await shoal.ConnectAsync(device);

        await client.DisconnectAsync();

        await shoal.EventuallyAsync(async db => (await StatusEventsAsync(db, device)).Count == 2);
        Assert.Equal([DeviceStatusPayload.Online, DeviceStatusPayload.Offline], await shoal.QueryAsync(db => StatusEventsAsync(db, device)));
    }

    [Fact]
    public async Task Takeover_ThenDisconnect_LogsOneOnlineAndOneOfflineEvent()
    {
        var (_, device) = await shoal.NewDeviceAsync();
        using var first = await shoal.ConnectAsync(device);
        var second = await shoal.ConnectAsync(device);

        await second.DisconnectAsync();

        await shoal.EventuallyAsync(async db => (await StatusEventsAsync(db, device)).Contains(DeviceStatusPayload.Offline));
        Assert.Equal([DeviceStatusPayload.Online, DeviceStatusPayload.Offline], await shoal.QueryAsync(db => StatusEventsAsync(db, device)));
    }

    [Fact]
    public async Task Disconnect_AfterAnotherNodeTookTheDeviceOver_LogsNoStatusEvent()
    {
        var (app, device) = await shoal.NewDeviceAsync();
        await SetOnlineAsync(device, OtherNode);

        await shoal.Services.GetRequiredService<IngestQueue>().StoreAsync(
            new DeviceDisconnected(new DeviceConnection(device.Id, app.Id, true, device.ClientId(0, "2026112500"), MqttProtocolVersion.V500), shoal.Time.GetUtcNow(), "The device disconnected."),
            CancellationToken.None);

        Assert.Empty(await shoal.QueryAsync(db => StatusEventsAsync(db, device)));
    }

    [Fact]
    public async Task Release_DeviceLeftOnlineByThisNode_LogsOfflineStatusEvent()
    {
        var (_, device) = await shoal.NewDeviceAsync();
        await SetOnlineAsync(device, ThisNode);

        await shoal.Services.GetRequiredService<StaleConnections>().ReleaseAsync(CancellationToken.None);

        Assert.Equal([DeviceStatusPayload.Offline], await shoal.QueryAsync(db => StatusEventsAsync(db, device)));
    }

    private static Task<List<string>> StatusEventsAsync(ShoalDb db, TestDevice device) =>
        db.DeviceEvents.Where(e => e.DeviceId == device.Id && e.Type == DeviceEventType.StatusChanged).OrderBy(e => e.Id).Select(e => e.Payload).ToListAsync();

    /// <summary>What a node writes when a device connects to it, written here without a connection.</summary>
    private Task<int> SetOnlineAsync(TestDevice device, string node) =>
        shoal.QueryAsync(db => db.Devices.Where(d => d.Id == device.Id).ExecuteUpdateAsync(
            update => update.SetProperty(d => d.Status, DeviceStatus.Online).SetProperty(d => d.ConnectedNode, node)));

    private Task<DeviceStatus> StatusAsync(TestDevice device) =>
        shoal.QueryAsync(db => db.Devices.Where(d => d.Id == device.Id).Select(d => d.Status).SingleAsync());

    private Task<string?> ConnectedNodeAsync(TestDevice device) =>
        shoal.QueryAsync(db => db.Devices.Where(d => d.Id == device.Id).Select(d => d.ConnectedNode).SingleAsync());
}

public sealed class DeviceNodeTestsOnSqlite(GatewayApplication<SqliteDatabase> shoal) : DeviceNodeTests<SqliteDatabase>(shoal);

public sealed class DeviceNodeTestsOnPostgres(GatewayApplication<PostgresDatabase> shoal) : DeviceNodeTests<PostgresDatabase>(shoal);
