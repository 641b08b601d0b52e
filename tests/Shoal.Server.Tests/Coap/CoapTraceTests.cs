using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Shoal.Coap.Lwm2m;
using Shoal.Server.Tests.Infrastructure;
using Shoal.Server.Tests.Northbound;
using Shoal.Storage.Entities;
using static Shoal.Server.Tests.Tracing.Traces;

namespace Shoal.Server.Tests.Coap;

/// <summary>A traced device that speaks CoAP or LwM2M leaves the same steps in its trace as one that speaks MQTT.</summary>
public abstract class CoapTraceTests<TDatabase>(CoapApplication<TDatabase> shoal) : IClassFixture<CoapApplication<TDatabase>>
    where TDatabase : ITestDatabase, new()
{
    [Fact]
    public async Task Register_OverDtls_RecordsConnectAndAuthenticationInOneFlow()
    {
        var (_, _, nodeId, key, trace) = await TracedAsync();

        await CoapTool.RegisterOverDtlsAsync(shoal.CoapsPort, nodeId, key);

        var steps = await shoal.StepsOnceAsync(trace, "authenticate");
        Assert.Equal([TraceStep.Connect, TraceStep.Authenticate], steps.Select(s => s.Step));
        Assert.All(steps, s => Assert.True(s.Succeeded));
        Assert.Single(steps.Select(s => s.Serial).Distinct());
        Assert.Contains($"LwM2M registration of {nodeId}", steps[0].Detail, StringComparison.Ordinal);
        Assert.Contains("over DTLS", steps[0].Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Report_OnObservedData_RecordsDataUpAndStorageInOneFlow()
    {
        var (_, device, nodeId, _, trace) = await TracedAsync();
        await using var client = await shoal.ObservedClientAsync(nodeId, device);

        await client.ReportAsync("level=7");

        var steps = await shoal.StepsOnceAsync(trace, "storage");
        var dataUp = steps.Single(s => s.Step == TraceStep.DataUp);
        var storage = steps.Single(s => s.Step == TraceStep.Storage);
        Assert.Equal(("/19/0/0", "level=7".Length), (dataUp.Topic, dataUp.Size));
        Assert.True(dataUp.Succeeded && storage.Succeeded);
        Assert.Equal(dataUp.Serial, storage.Serial);
    }

    [Fact]
    public async Task Command_WrittenAndAcknowledged_RecordsItsDeliveryUnderTheCommandId()
    {
        var (app, device, nodeId, _, trace) = await TracedAsync();
        await using var client = await shoal.ObservedClientAsync(nodeId, device);
        var body = new { deviceId = device, command = new { serviceId = "Switch", method = "SET", paras = new { on = true } } };

        var commandId = (await (await app.Na.SendAsync(HttpMethod.Post, "/iocm/app/cmd/v1.4.0/deviceCommands", body)).JsonAsync(HttpStatusCode.Created))
            .GetProperty("commandId").GetString()!;

        var written = (await shoal.StepsOnceAsync(trace, "commandDown")).Single(s => s.Step == TraceStep.CommandDown);
        Assert.Equal((commandId, "/19/1/0", true), (written.Serial, written.Topic, written.Succeeded));
        Assert.EndsWith("DELIVERED.", written.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Lifetime_RunsOut_RecordsTheDisconnectAsFailedWithAHint()
    {
        var (_, device, nodeId, _, trace) = await TracedAsync();
        await using var client = await shoal.ObservedClientAsync(nodeId, device, lifetimeSeconds: 60);

        shoal.Time.Advance(TimeSpan.FromSeconds(61));
        await shoal.Services.GetRequiredService<Lwm2mServer>().ExpireAsync(TestContext.Current.CancellationToken);

        var steps = await shoal.StepsOnceAsync(trace, "disconnect");
        var disconnect = steps.Single(s => s.Step == TraceStep.Disconnect);
        Assert.False(disconnect.Succeeded);
        Assert.Equal("Its LwM2M registration lifetime ran out without an update.", disconnect.Reason);
        Assert.StartsWith("Check the device's network", disconnect.Hint, StringComparison.Ordinal);
        Assert.Equal(steps.Single(s => s.Step == TraceStep.Connect).Serial, disconnect.Serial);
    }

    /// <summary>
    /// A device of an application that allows tracing, registered with a node ID and a DTLS key (its psk is the key's
    /// bytes in hex), and a trace of it that an operator started.
    /// </summary>
    private async Task<(NaApplication App, string DeviceId, string NodeId, string Key, string TraceId)> TracedAsync()
    {
        var op = await shoal.NewOperatorAsync();
        var app = await shoal.NewApplicationAsync(null, ("dataManagement", true), ("tracing", "Always"));
        var nodeId = "nb-" + Guid.NewGuid().ToString("N")[..16];
        var key = "k-" + Guid.NewGuid().ToString("N")[..14];
        var psk = Convert.ToHexStringLower(System.Text.Encoding.ASCII.GetBytes(key));
        var deviceId = (await (await app.Na.SendAsync(HttpMethod.Post, NaClient.RegisterPath, new { nodeId, timeout = 0, psk })).JsonAsync())
            .GetProperty("deviceId").GetString()!;
        var trace = await StartedAsync(op, app.Id, deviceId);
        return (app, deviceId, nodeId, key, trace.GetProperty("id").GetString()!);
    }
}

public sealed class CoapTraceTestsOnSqlite(CoapApplication<SqliteDatabase> shoal) : CoapTraceTests<SqliteDatabase>(shoal);

public sealed class CoapTraceTestsOnPostgres(CoapApplication<PostgresDatabase> shoal) : CoapTraceTests<PostgresDatabase>(shoal);
