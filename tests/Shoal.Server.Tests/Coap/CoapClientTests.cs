using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Shoal.Gateway;
using Shoal.Coap.Protocol;
using Shoal.Server.Tests.Gateway;
using Shoal.Server.Tests.Infrastructure;
using Shoal.Server.Tests.Northbound;
using Shoal.Storage.Entities;
using static Shoal.Server.Tests.Infrastructure.ApplicationApi;

namespace Shoal.Server.Tests.Coap;

/// <summary>CoAP and CoAP over DTLS-PSK with libcoap's coap-client as the device, and what bad input gets.</summary>
public abstract class CoapClientTests<TDatabase>(CoapApplication<TDatabase> shoal) : IClassFixture<CoapApplication<TDatabase>>
    where TDatabase : ITestDatabase, new()
{
    [Fact]
    public async Task Register_OverDtlsWithTheDevicesPsk_TheDeviceIsOnline()
    {
        var (_, device, nodeId, key) = await NewDeviceAsync();

        var (exitCode, output) = await CoapTool.RegisterOverDtlsAsync(shoal.CoapsPort, nodeId, key);

        Assert.True(exitCode == 0 && !output.Contains("4.", StringComparison.Ordinal) && !output.Contains("cannot send", StringComparison.Ordinal), output);
        await shoal.EventuallyAsync(db => db.Devices.AnyAsync(d => d.Id == device.Id && d.Status == DeviceStatus.Online && d.Activated));
    }

    [Fact]
    public async Task Register_OverDtlsWithAWrongPsk_TheHandshakeFailsAndNothingIsStored()
    {
        var (_, device, nodeId, key) = await NewDeviceAsync();

        var (_, output) = await CoapTool.RegisterOverDtlsAsync(shoal.CoapsPort, nodeId, "not-" + key);

        Assert.DoesNotContain("2.01", output, StringComparison.Ordinal);
        var row = await shoal.QueryAsync(db => db.Devices.SingleAsync(d => d.Id == device.Id));
        Assert.Equal((DeviceStatus.Inactive, false), (row.Status, row.Activated));
        Assert.False(await shoal.QueryAsync(db => db.DeviceEvents.AnyAsync(e => e.DeviceId == device.Id)));
    }

    [Fact]
    public async Task Send_OverDtlsInANewSession_IsStoredForTheRegisteredDevice()
    {
        var (app, device, nodeId, key) = await NewDeviceAsync();
        Assert.Equal(0, (await CoapTool.RegisterOverDtlsAsync(shoal.CoapsPort, nodeId, key)).ExitCode);

        var (exitCode, output) = await CoapTool.RunAsync("-m", "post", "-k", key, "-u", nodeId, "-e", "hello",
            $"coaps://127.0.0.1:{shoal.CoapsPort.ToString(CultureInfo.InvariantCulture)}/dp");

        Assert.True(exitCode == 0 && !output.Contains("4.", StringComparison.Ordinal) && !output.Contains("cannot send", StringComparison.Ordinal), output);
        var message = (await MessagesAsync(app, device)).GetProperty("items")[0];
        Assert.Equal("hello"u8.ToArray(), Convert.FromBase64String(message.GetProperty("base64").GetString()!));
    }

    [Fact]
    public async Task Send_OverPlainCoapFromTheRegisteredAddress_IsStored()
    {
        var (app, device, nodeId, _) = await NewDeviceAsync();
        var localPort = FreePorts.NextUdp();
        Assert.Equal(0, (await CoapTool.RegisterAsync(shoal.CoapPort, nodeId, localPort)).ExitCode);

        var (_, output) = await CoapTool.RunAsync("-m", "post", "-p", localPort.ToString(CultureInfo.InvariantCulture), "-t", "50",
            "-e", """{"door":"open"}""", $"coap://127.0.0.1:{shoal.CoapPort.ToString(CultureInfo.InvariantCulture)}/dp");

        Assert.DoesNotContain("4.", output, StringComparison.Ordinal);
        var message = (await MessagesAsync(app, device)).GetProperty("items")[0];
        Assert.Equal("open", message.GetProperty("message").GetProperty("door").GetString());
    }

    [Fact]
    public async Task Send_BinaryPayloadTheApplicationsCodecDeclares_IsStoredAsProperties()
    {
        var (app, device, nodeId, _) = await NewDeviceAsync();
        const string codec = """{"messages":[{"messageId":1,"serviceId":"Meter","fields":[{"name":"temperature","offset":1,"type":"int16","scale":0.1},{"name":"battery","offset":3,"type":"uint8"}]}]}""";
        (await app.Owner.Client.PutAsync($"{Route}/{app.Id}/codec", new StringContent(codec, System.Text.Encoding.UTF8, "application/json"))).EnsureSuccessStatusCode();
        var localPort = FreePorts.NextUdp();
        Assert.Equal(0, (await CoapTool.RegisterAsync(shoal.CoapPort, nodeId, localPort)).ExitCode);
        var payload = Path.GetTempFileName();
        await File.WriteAllBytesAsync(payload, [0x01, 0x00, 0xD7, 0x55], TestContext.Current.CancellationToken);

        var (_, output) = await CoapTool.RunAsync("-m", "post", "-p", localPort.ToString(CultureInfo.InvariantCulture), "-t", "42", "-f", payload,
            $"coap://127.0.0.1:{shoal.CoapPort.ToString(CultureInfo.InvariantCulture)}/dp");
        File.Delete(payload);

        Assert.DoesNotContain("4.", output, StringComparison.Ordinal);
        var data = await shoal.QueryAsync(db => db.DeviceServiceStates.Where(s => s.DeviceId == device.Id && s.ServiceId == "Meter").Select(s => s.Data).SingleAsync());
        var values = JsonDocument.Parse(data).RootElement;
        Assert.Equal((21.5m, 85), (values.GetProperty("temperature").GetDecimal(), values.GetProperty("battery").GetInt32()));
    }

    [Fact]
    public async Task Command_ToASleepingDevice_WaitsUntilItSendsAgain()
    {
        var (app, device, nodeId, _) = await NewDeviceAsync();
        var localPort = FreePorts.NextUdp().ToString(CultureInfo.InvariantCulture);
        var server = $"coap://127.0.0.1:{shoal.CoapPort.ToString(CultureInfo.InvariantCulture)}";
        await CoapTool.RunAsync("-m", "post", "-p", localPort, "-t", "40", "-e", "</19/0/0>", $"{server}/rd?ep={nodeId}&lt=3600&b=UQ");
        shoal.Time.Advance(TimeSpan.FromMinutes(1));
        var body = new { deviceId = device.Id, command = new { serviceId = "Switch", method = "SET", paras = new { on = true } } };
        var commandId = (await (await app.Na.SendAsync(HttpMethod.Post, "/iocm/app/cmd/v1.4.0/deviceCommands", body)).JsonAsync(System.Net.HttpStatusCode.Created))
            .GetProperty("commandId").GetString()!;

        await shoal.Services.GetRequiredService<CommandDispatchWorker>().RunOnceAsync(TestContext.Current.CancellationToken);
        Assert.Equal(DeviceCommandStatus.Pending, await CommandStatusAsync(commandId));

        await CoapTool.RunAsync("-m", "post", "-p", localPort, "-e", "awake", $"{server}/dp");

        await shoal.EventuallyAsync(db => db.DeviceCommands.AnyAsync(c => c.Id == commandId && c.Status != DeviceCommandStatus.Pending));
    }

    [Fact]
    public async Task Send_WithoutARegistration_Answers401AndStoresNothing()
    {
        var before = await shoal.QueryAsync(db => db.DeviceEvents.CountAsync());

        var (_, output) = await CoapTool.RunAsync("-m", "post", "-e", "x", $"coap://127.0.0.1:{shoal.CoapPort.ToString(CultureInfo.InvariantCulture)}/dp");

        Assert.Contains("4.01", output, StringComparison.Ordinal);
        Assert.Equal(before, await shoal.QueryAsync(db => db.DeviceEvents.CountAsync()));
    }

    [Fact]
    public async Task Send_BodyOverTheLimitInBlocks_Answers413AndStoresNothing()
    {
        var (app, device, nodeId, _) = await NewDeviceAsync();
        var localPort = FreePorts.NextUdp();
        Assert.Equal(0, (await CoapTool.RegisterAsync(shoal.CoapPort, nodeId, localPort)).ExitCode);

        var (_, output) = await CoapTool.RunAsync("-m", "post", "-p", localPort.ToString(CultureInfo.InvariantCulture), "-b", "256",
            "-e", new string('x', 2000), $"coap://127.0.0.1:{shoal.CoapPort.ToString(CultureInfo.InvariantCulture)}/dp");

        Assert.Contains("4.13", output, StringComparison.Ordinal);
        Assert.Equal(0, (await MessagesAsync(app, device)).GetProperty("items").GetArrayLength());
    }

    [Fact]
    public async Task Request_WithAnUnknownCriticalOption_Answers402()
    {
        var (_, output) = await CoapTool.RunAsync("-m", "post", "-O", "65001,x",
            $"coap://127.0.0.1:{shoal.CoapPort.ToString(CultureInfo.InvariantCulture)}/rd?ep=whoever");

        Assert.Contains("4.02", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Datagram_WithATokenLengthOverEight_IsResetWithItsMessageId()
    {
        using var socket = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        byte[] malformed = [0x49, 0x02, 0x12, 0x34, 1, 2, 3, 4, 5, 6, 7, 8, 9];

        await socket.SendAsync(malformed, new IPEndPoint(IPAddress.Loopback, shoal.CoapPort));

        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var reset = (await socket.ReceiveAsync(deadline.Token)).Buffer;
        Assert.Equal(((byte)0x70, (byte)0x00, (byte)0x12, (byte)0x34), (reset[0], reset[1], reset[2], reset[3]));
    }

    [Fact]
    public async Task Registrations_FloodedFromOneAddress_AreRefusedWith429WhileAnotherAddressRegisters()
    {
        var (_, device, nodeId, _) = await NewDeviceAsync();
        using var flooder = new UdpClient(new IPEndPoint(IPAddress.Parse("127.0.0.3"), 0));
        var server = new IPEndPoint(IPAddress.Loopback, shoal.CoapPort);
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var codes = new List<CoapCode>();
        for (var i = 0; i < 40; i++)
        {
            var register = CoapMessage.Request(CoapCode.Post, "rd").Add(CoapOptionNumber.UriQuery, "ep=unknown-" + i.ToString(CultureInfo.InvariantCulture));
            register.Type = CoapType.Confirmable;
            register.MessageId = (ushort)i;
            register.Token = new byte[] { (byte)i };
            await flooder.SendAsync(register.ToBytes(), server);
            codes.Add(CoapMessage.Parse((await flooder.ReceiveAsync(deadline.Token)).Buffer).Code);
        }

        Assert.Equal(CoapCode.Forbidden, codes[0]);
        Assert.Equal(CoapCode.TooManyRequests, codes[^1]);
        var (exitCode, output) = await CoapTool.RegisterAsync(shoal.CoapPort, nodeId, FreePorts.NextUdp(), localAddress: "127.0.0.2");
        Assert.True(exitCode == 0 && !output.Contains("4.", StringComparison.Ordinal), output);
        await shoal.EventuallyAsync(db => db.Devices.AnyAsync(d => d.Id == device.Id && d.Status == DeviceStatus.Online));
    }

    [Fact]
    public async Task Datagrams_RandomFuzz_LeaveTheListenerServing()
    {
        var (_, device, nodeId, _) = await NewDeviceAsync();
        using var fuzzer = new UdpClient(new IPEndPoint(IPAddress.Parse("127.0.0.4"), 0));
        var server = new IPEndPoint(IPAddress.Loopback, shoal.CoapPort);
        var random = new Random(20261206);
        for (var i = 0; i < 3000; i++)
        {
            var datagram = new byte[random.Next(0, 200)];
            random.NextBytes(datagram);
            if (datagram.Length > 0 && i % 2 == 0)
            {
                datagram[0] = (byte)(0x40 | (datagram[0] & 0x3F));
            }
            await fuzzer.SendAsync(datagram, server);
        }

        var (exitCode, output) = await CoapTool.RegisterAsync(shoal.CoapPort, nodeId, FreePorts.NextUdp(), localAddress: "127.0.0.5");

        Assert.True(exitCode == 0 && !output.Contains("4.", StringComparison.Ordinal), output);
        await shoal.EventuallyAsync(db => db.Devices.AnyAsync(d => d.Id == device.Id && d.Status == DeviceStatus.Online));
    }

    /// <summary>
    /// A device whose psk is the hex of a printable 16-character key, so that coap-client, which takes its key as text,
    /// can be given the same bytes.
    /// </summary>
    private async Task<(NaApplication App, TestDevice Device, string NodeId, string Key)> NewDeviceAsync()
    {
        var app = await shoal.NewApplicationAsync(null, ("dataManagement", true));
        var nodeId = "nb-" + Guid.NewGuid().ToString("N")[..16];
        var key = "k-" + Guid.NewGuid().ToString("N")[..14];
        var psk = Convert.ToHexStringLower(System.Text.Encoding.ASCII.GetBytes(key));
        var registered = await (await app.Na.SendAsync(HttpMethod.Post, NaClient.RegisterPath, new { nodeId, timeout = 0, psk })).JsonAsync();
        return (app, new TestDevice(registered.GetProperty("deviceId").GetString()!, psk), nodeId, key);
    }

    private Task<DeviceCommandStatus> CommandStatusAsync(string commandId) =>
        shoal.QueryAsync(db => db.DeviceCommands.Where(c => c.Id == commandId).Select(c => c.Status).SingleAsync());

    private static async Task<JsonElement> MessagesAsync(NaApplication app, TestDevice device) =>
        await (await app.Owner.Client.GetAsync($"{Route}/{app.Id}/devices/{device.Id}/messages")).JsonAsync();
}

public sealed class CoapClientTestsOnSqlite(CoapApplication<SqliteDatabase> shoal) : CoapClientTests<SqliteDatabase>(shoal);

public sealed class CoapClientTestsOnPostgres(CoapApplication<PostgresDatabase> shoal) : CoapClientTests<PostgresDatabase>(shoal);
