using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using MQTTnet;
using MQTTnet.Formatter;
using Shoal.Gateway;
using Shoal.Server.Tests.Infrastructure;
using Shoal.Storage;

namespace Shoal.Server.Tests.Gateway;

/// <summary>
/// A device's credentials are kept in memory once read: a connect then reads no database, and what changes them (a
/// secret reset, a deletion, a freeze of the application) voids them before the next connect.
/// </summary>
public abstract class DeviceCredentialsTests<TDatabase>(GatewayApplication<TDatabase> shoal) : IClassFixture<GatewayApplication<TDatabase>>
    where TDatabase : ITestDatabase, new()
{
    [Fact]
    public async Task Connect_WithCredentialsKept_ReadsNoDatabase()
    {
        var (_, device) = await shoal.NewDeviceAsync();
        await ConnectAndLeaveAsync(device);

        var (accepted, commands) = await DatabaseCommands.CountAsync(() => AuthenticateAsync(device));

        Assert.True(accepted);
        Assert.Equal(0, commands);
    }

    [Fact]
    public async Task Connect_UnknownDevice_ReadsTheDatabaseEveryTime()
    {
        var stranger = new TestDevice(Guid.NewGuid().ToString(), "0123456789abcdef");
        Assert.False(await AuthenticateAsync(stranger));

        // EF Core looks again whether anyone listens to its events about once a second, so the first counts made in a
        // process may see no command; a cached refusal would count none however long this goes on.
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (true)
        {
            var (accepted, commands) = await DatabaseCommands.CountAsync(() => AuthenticateAsync(stranger));
            Assert.False(accepted);
            if (commands > 0)
            {
                break;
            }
            await Task.Delay(100, deadline.Token);
        }
    }

    [Fact]
    public async Task Connect_AfterSecretReset_OldSecretIsRefusedThoughItWasKept()
    {
        var (app, device) = await shoal.NewDeviceAsync();
        await ConnectAndLeaveAsync(device);
        await AssertKeptAsync(device);
        const string psk = "00112233445566778899aabbccddeeff";

        (await app.Na.SendAsync(HttpMethod.Put, $"/iocm/app/reg/v1.1.0/deviceCredentials/{device.Id}", new { psk })).EnsureSuccessStatusCode();

        var (_, result) = await shoal.TryConnectAsync(device);
        Assert.Equal(MqttClientConnectResultCode.BadUserNameOrPassword, result.ResultCode);
        using var renewed = await shoal.ConnectAsync(device with { Secret = psk });
    }

    [Fact]
    public async Task Connect_AfterDeletion_IsRefusedThoughItWasKept()
    {
        var (app, device) = await shoal.NewDeviceAsync();
        await ConnectAndLeaveAsync(device);
        await AssertKeptAsync(device);

        Assert.Equal(System.Net.HttpStatusCode.NoContent, (await app.Na.SendAsync(HttpMethod.Delete, $"/iocm/app/dm/v1.4.0/devices/{device.Id}")).StatusCode);

        var (_, result) = await shoal.TryConnectAsync(device);
        Assert.Equal(MqttClientConnectResultCode.BadUserNameOrPassword, result.ResultCode);
    }

    [Fact]
    public async Task Connect_AfterTheApplicationIsFrozen_IsRefusedThoughItWasKept()
    {
        var (app, device) = await shoal.NewDeviceAsync();
        await ConnectAndLeaveAsync(device);
        await AssertKeptAsync(device);

        (await shoal.Operator.PostAsync($"/api/v1/operator/applications/{app.Id}/freeze", null)).EnsureSuccessStatusCode();

        var (_, result) = await shoal.TryConnectAsync(device);
        Assert.Equal(MqttClientConnectResultCode.NotAuthorized, result.ResultCode);
    }

    [Fact]
    public async Task Preload_KeepsTheCredentialsOfDevicesSeenBefore()
    {
        var (app, device) = await shoal.NewDeviceAsync();
        await ConnectAndLeaveAsync(device);
        var credentials = shoal.Services.GetRequiredService<DeviceCredentials>();
        // A change to an application voids every device kept: only the preload can keep them again.
        shoal.Services.GetRequiredService<Changes>().Publish(ChangeKind.Application, app.Id);

        Assert.True(await credentials.PreloadAsync(TestContext.Current.CancellationToken) > 0);

        await AssertKeptAsync(device);
    }

    private async Task ConnectAndLeaveAsync(TestDevice device)
    {
        using var client = await shoal.ConnectAsync(device);
        await client.DisconnectAsync();
    }

    private async Task AssertKeptAsync(TestDevice device)
    {
        var (accepted, commands) = await DatabaseCommands.CountAsync(() => AuthenticateAsync(device));
        Assert.True(accepted);
        Assert.Equal(0, commands);
    }

    /// <summary>The gateway's own check of a CONNECT, called as the broker calls it; true when the device is accepted.</summary>
    private async Task<bool> AuthenticateAsync(TestDevice device)
    {
        var timestamp = TestDevice.Timestamp(shoal.Time.GetUtcNow());
        var authentication = await shoal.Services.GetRequiredService<DeviceAuthenticator>().AuthenticateAsync(
            device.ClientId(1, timestamp), device.Id, Encoding.ASCII.GetBytes(TestDevice.Password(timestamp, device.Secret)),
            MqttProtocolVersion.V500, TestContext.Current.CancellationToken);
        return authentication.Connection is not null;
    }
}

public sealed class DeviceCredentialsTestsOnSqlite(GatewayApplication<SqliteDatabase> shoal) : DeviceCredentialsTests<SqliteDatabase>(shoal);

public sealed class DeviceCredentialsTestsOnPostgres(GatewayApplication<PostgresDatabase> shoal) : DeviceCredentialsTests<PostgresDatabase>(shoal);

/// <summary>
/// Counts the commands EF runs in the current async flow, and only there: other tests and the server's own workers run
/// theirs beside it uncounted.
/// </summary>
internal static class DatabaseCommands
{
    private static readonly AsyncLocal<StrongBox<int>?> Counter = new();
    private static readonly IDisposable Listening = DiagnosticListener.AllListeners.Subscribe(new Listeners());

    public static async Task<(T Result, int Commands)> CountAsync<T>(Func<Task<T>> action)
    {
        GC.KeepAlive(Listening);
        var counter = new StrongBox<int>();
        Counter.Value = counter;
        var result = await action();
        return (result, Volatile.Read(ref counter.Value));
    }

    private sealed class Listeners : IObserver<DiagnosticListener>
    {
        public void OnNext(DiagnosticListener value)
        {
            if (value.Name == DbLoggerCategory.Name)
            {
                value.Subscribe(new Commands(), name => name == RelationalEventId.CommandExecuting.Name);
            }
        }

        public void OnCompleted()
        {
        }

        public void OnError(Exception error)
        {
        }
    }

    private sealed class Commands : IObserver<KeyValuePair<string, object?>>
    {
        public void OnNext(KeyValuePair<string, object?> value)
        {
            if (Counter.Value is { } counter)
            {
                Interlocked.Increment(ref counter.Value);
            }
        }

        public void OnCompleted()
        {
        }

        public void OnError(Exception error)
        {
        }
    }
}
