using Microsoft.EntityFrameworkCore;
using MQTTnet;
using Shoal.Server.Tests.Infrastructure;
using Shoal.Storage.Entities;

namespace Shoal.Server.Tests.Gateway;

/// <summary>Device authentication on CONNECT, activation and status, with real MQTT clients over TCP.</summary>
public abstract class DeviceConnectTests<TDatabase>(GatewayApplication<TDatabase> shoal) : IClassFixture<GatewayApplication<TDatabase>>
    where TDatabase : ITestDatabase, new()
{
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    public async Task Connect_CorrectPassword_IsAcceptedAndActivatesTheDeviceOnline(int signType)
    {
        var (_, device) = await shoal.NewDeviceAsync();

        var (client, result) = await shoal.TryConnectAsync(device, signType);

        Assert.Equal(MqttClientConnectResultCode.Success, result.ResultCode);
        var stored = await shoal.QueryAsync(db => db.Devices.AsNoTracking().SingleAsync(d => d.Id == device.Id));
        Assert.Equal(DeviceStatus.Online, stored.Status);
        Assert.True(stored.Activated);
        Assert.Null(stored.RegistrationExpiresAt);
        Assert.Equal(shoal.Time.GetUtcNow(), stored.LastSeenAt!.Value, TimeSpan.FromMilliseconds(1));
        await client.DisconnectAsync();
    }

    [Fact]
    public async Task Connect_OverTls_IsAcceptedWithTheCertificateOfTheHttpsEndpoints()
    {
        var (_, device) = await shoal.NewDeviceAsync();
        string? presented = null;

        var (client, result) = await shoal.TryConnectAsync(device, tls: tls => tls.WithCertificateValidationHandler(server =>
        {
            presented = server.Certificate.Subject;
            return true;
        }));

        Assert.Equal(MqttClientConnectResultCode.Success, result.ResultCode);
        Assert.Equal("CN=Shoal self-signed", presented);
        client.Dispose();
    }

    [Fact]
    public async Task Connect_FirstTime_WritesDeviceBoundDeviceAddedAndOnlineEvents()
    {
        var (app, device) = await shoal.NewDeviceAsync();

        using var client = await shoal.ConnectAsync(device);

        var events = await shoal.QueryAsync(db => db.DeviceEvents.AsNoTracking().Where(e => e.DeviceId == device.Id).OrderBy(e => e.Id).ToListAsync());
        Assert.Equal([DeviceEventType.DeviceBound, DeviceEventType.DeviceAdded, DeviceEventType.StatusChanged], events.Select(e => e.Type));
        Assert.All(events, e => Assert.Equal(app.Id, e.ApplicationId));
        Assert.Contains(device.Id, events[0].Payload, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Connect_SecondTime_WritesNoMoreActivationEvents()
    {
        var (_, device) = await shoal.NewDeviceAsync();
        using (var first = await shoal.ConnectAsync(device))
        {
            await first.DisconnectAsync();
        }

        using var second = await shoal.ConnectAsync(device);

        Assert.Equal(2, await shoal.QueryAsync(db => db.DeviceEvents.CountAsync(
            e => e.DeviceId == device.Id && (e.Type == DeviceEventType.DeviceBound || e.Type == DeviceEventType.DeviceAdded))));
    }

    [Fact]
    public async Task Connect_WrongPassword_IsRefusedAsBadUserNameOrPassword()
    {
        var (_, device) = await shoal.NewDeviceAsync();
        var timestamp = TestDevice.Timestamp(shoal.Time.GetUtcNow());

        var (_, result) = await shoal.TryConnectAsync(device, password: TestDevice.Password(timestamp, "0123456789abcdef"));

        Assert.Equal(MqttClientConnectResultCode.BadUserNameOrPassword, result.ResultCode);
        Assert.False(await shoal.QueryAsync(db => db.Devices.Where(d => d.Id == device.Id).Select(d => d.Activated).SingleAsync()));
    }

    [Fact]
    public async Task Connect_SignType1TimestampTwoHoursOld_IsRefused()
    {
        var (_, device) = await shoal.NewDeviceAsync();

        var (_, result) = await shoal.TryConnectAsync(device, signType: 1, signedAt: shoal.Time.GetUtcNow().AddHours(-2));

        Assert.Equal(MqttClientConnectResultCode.BadUserNameOrPassword, result.ResultCode);
    }

    [Fact]
    public async Task Connect_SignType0TimestampTwoHoursOld_IsAccepted()
    {
        var (_, device) = await shoal.NewDeviceAsync();

        var (client, result) = await shoal.TryConnectAsync(device, signType: 0, signedAt: shoal.Time.GetUtcNow().AddHours(-2));

        Assert.Equal(MqttClientConnectResultCode.Success, result.ResultCode);
        client.Dispose();
    }

    [Fact]
    public async Task Connect_UnknownDevice_IsRefusedAsBadUserNameOrPassword()
    {
        var stranger = new TestDevice(Guid.NewGuid().ToString(), "0123456789abcdef");

        var (_, result) = await shoal.TryConnectAsync(stranger);

        Assert.Equal(MqttClientConnectResultCode.BadUserNameOrPassword, result.ResultCode);
    }

    [Fact]
    public async Task Connect_MalformedClientId_IsRefused()
    {
        var (_, device) = await shoal.NewDeviceAsync();

        var (_, result) = await shoal.TryConnectAsync(device, clientId: device.Id);

        Assert.Equal(MqttClientConnectResultCode.ClientIdentifierNotValid, result.ResultCode);
    }

    [Fact]
    public async Task Connect_FrozenApplication_IsRefusedAsNotAuthorized()
    {
        var (app, device) = await shoal.NewDeviceAsync();
        (await shoal.Operator.PostAsync($"/api/v1/operator/applications/{app.Id}/freeze", null)).EnsureSuccessStatusCode();

        var (_, result) = await shoal.TryConnectAsync(device);

        Assert.Equal(MqttClientConnectResultCode.NotAuthorized, result.ResultCode);
    }

    [Fact]
    public async Task Connect_AfterSecretReset_OldSecretIsRefused()
    {
        var (app, device) = await shoal.NewDeviceAsync();
        (await app.Na.SendAsync(HttpMethod.Put, $"/iocm/app/reg/v1.1.0/deviceCredentials/{device.Id}", new { psk = "00112233445566778899aabbccddeeff" }))
            .EnsureSuccessStatusCode();

        var (_, result) = await shoal.TryConnectAsync(device);

        Assert.Equal(MqttClientConnectResultCode.BadUserNameOrPassword, result.ResultCode);
    }

    [Fact]
    public async Task Disconnect_SetsTheDeviceOffline()
    {
        var (_, device) = await shoal.NewDeviceAsync();
        var client = await shoal.ConnectAsync(device);

        await client.DisconnectAsync();

        await shoal.EventuallyAsync(db => db.Devices.AnyAsync(d => d.Id == device.Id && d.Status == DeviceStatus.Offline));
    }

    [Fact]
    public async Task Connect_SecondConnectionWithAnotherClientId_TakesOverAndTheDeviceStaysOnline()
    {
        var (_, device) = await shoal.NewDeviceAsync();
        using var first = await shoal.ConnectAsync(device);
        var dropped = new TaskCompletionSource();
        first.DisconnectedAsync += _ =>
        {
            dropped.TrySetResult();
            return Task.CompletedTask;
        };

        var (second, result) = await shoal.TryConnectAsync(device, signType: 0);

        Assert.Equal(MqttClientConnectResultCode.Success, result.ResultCode);
        await dropped.Task.WaitAsync(TimeSpan.FromMinutes(1));
        Assert.True(second.IsConnected);
        Assert.Equal(DeviceStatus.Online, await shoal.QueryAsync(db => db.Devices.Where(d => d.Id == device.Id).Select(d => d.Status).SingleAsync()));
        second.Dispose();
    }
}

public sealed class DeviceConnectTestsOnSqlite(GatewayApplication<SqliteDatabase> shoal) : DeviceConnectTests<SqliteDatabase>(shoal);

public sealed class DeviceConnectTestsOnPostgres(GatewayApplication<PostgresDatabase> shoal) : DeviceConnectTests<PostgresDatabase>(shoal);
