using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;
using Shoal.Coap.Protocol;
using Shoal.Coap.Transport;
using Shoal.Server.Tests.Gateway;
using Shoal.Server.Tests.Infrastructure;

namespace Shoal.Server.Tests.Coap;

/// <summary>
/// Kill -9 while an LwM2M device sends confirmable reports, restart, and every report the device saw acknowledged is
/// stored: a CON is acknowledged only after its commit.
/// </summary>
[Trait("Category", "Crash")]
public abstract class CoapCrashTests<TDatabase> : IAsyncLifetime
    where TDatabase : ITestDatabase, new()
{
    private const int AcknowledgedBeforeKill = 300;
    private const int ReportsInFlight = 8;

    private readonly TDatabase _database = new();
    private readonly string _dataDirectory = Path.Combine(Path.GetTempPath(), $"shoal-coap-crash-{Guid.NewGuid():N}");
    private readonly int _coapPort = FreePorts.NextUdp();

    public async ValueTask InitializeAsync() => await _database.CreateAsync();

    [Fact]
    public async Task KillDuringReports_EveryAcknowledgedReportIsStoredAfterRestart()
    {
        var settings = new Dictionary<string, string> { ["Coap:Port"] = _coapPort.ToString(CultureInfo.InvariantCulture) };
        TestDevice device;
        var acknowledged = new ConcurrentBag<int>();
        await using (var server = await ServerProcess.StartAsync(_database, _dataDirectory, settings))
        {
            device = await server.RegisterDeviceAsync();
            await using var channel = new UdpChannel(new IPEndPoint(IPAddress.Loopback, 0));
            var client = new CoapEndpoint(channel, new CoapEndpointOptions(), new NoResources(), TimeProvider.System, NullLogger<CoapEndpoint>.Instance);
            using var stop = new CancellationTokenSource();
            var running = client.RunAsync(stop.Token);
            var shoal = new CoapPeer(new IPEndPoint(IPAddress.Loopback, _coapPort));
            var registered = await client.SendAsync(shoal, CoapMessage.Request(CoapCode.Post, "rd").Add(CoapOptionNumber.UriQuery, "ep=crash-node"), TestContext.Current.CancellationToken);
            Assert.Equal(CoapCode.Created, registered.Code);

            var enough = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var sequence = 0;
            async Task ReportAsync()
            {
                while (!enough.Task.IsCompleted)
                {
                    var next = Interlocked.Increment(ref sequence);
                    var report = CoapMessage.Request(CoapCode.Post, "dp");
                    report.Payload = Encoding.UTF8.GetBytes($$$"""{"msgType":"deviceReq","data":[{"serviceId":"Crash","serviceData":{"sequence":{{{next}}}}}]}""");
                    if ((await client.SendAsync(shoal, report, TestContext.Current.CancellationToken)).Code == CoapCode.Changed)
                    {
                        acknowledged.Add(next);
                        if (acknowledged.Count >= AcknowledgedBeforeKill)
                        {
                            enough.TrySetResult();
                        }
                    }
                }
            }

            var reporters = Task.WhenAll(Enumerable.Range(0, ReportsInFlight).Select(_ => Task.Run(ReportAsync)));
            await Task.WhenAny(enough.Task, reporters);
            Assert.True(enough.Task.IsCompleted, $"The reports stopped before it was time to kill the server:\n{server.Output}");
            await server.KillAsync();
            // Reports in flight now never hear back: what Shoal did not acknowledge, it owes nothing for.
            await stop.CancelAsync();
            await Task.WhenAll(reporters.ContinueWith(_ => { }, TaskScheduler.Default), running.ContinueWith(_ => { }, TaskScheduler.Default));
        }

        await using var restarted = await ServerProcess.StartAsync(_database, _dataDirectory, settings);

        var stored = await _database.QueryAsync(db => db.DeviceDataPoints.Where(p => p.DeviceId == device.Id).Select(p => p.Data).ToListAsync());
        Assert.Empty(acknowledged.Except(stored.Select(data => JsonDocument.Parse(data).RootElement.GetProperty("sequence").GetInt32())));
    }

    public async ValueTask DisposeAsync()
    {
        await _database.DisposeAsync();
        if (Directory.Exists(_dataDirectory))
        {
            Directory.Delete(_dataDirectory, recursive: true);
        }
        GC.SuppressFinalize(this);
    }

    /// <summary>The device serves nothing: Shoal's observation of its data is refused.</summary>
    private sealed class NoResources : ICoapHandler
    {
        public Task<CoapMessage> HandleRequestAsync(CoapPeer peer, CoapMessage request, CancellationToken cancellationToken) =>
            Task.FromResult(request.CreateResponse(CoapCode.NotFound));

        public Task<bool> HandleNotificationAsync(CoapPeer peer, CoapMessage notification, CancellationToken cancellationToken) => Task.FromResult(false);
    }
}

public sealed class CoapCrashTestsOnSqlite : CoapCrashTests<SqliteDatabase>;

public sealed class CoapCrashTestsOnPostgres : CoapCrashTests<PostgresDatabase>;
