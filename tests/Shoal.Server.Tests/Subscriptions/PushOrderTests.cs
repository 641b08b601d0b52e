using System.Globalization;
using System.Net;
using System.Text.Json;
using Shoal.Server.Tests.Gateway;
using Shoal.Server.Tests.Infrastructure;

namespace Shoal.Server.Tests.Subscriptions;

/// <summary>
/// Pushes about one device to one destination leave in the order their events happened, each after the one before it
/// was answered, however slow the receiver and however often it fails; each carries the event's sequence number.
/// </summary>
public abstract class PushOrderTests<TDatabase>(PushApplication<TDatabase> shoal) : IClassFixture<PushApplication<TDatabase>>
    where TDatabase : ITestDatabase, new()
{
    private static readonly string[] CommandStates = ["PENDING", "SENT", "DELIVERED", "SUCCESSFUL"];

    [Fact]
    public async Task Push_ReportsOfOneDevice_ReachASlowFailingReceiverInOrder()
    {
        await using var receiver = await PushReceiver.StartAsync();
        var requests = 0;
        receiver.Answer = _ => Interlocked.Increment(ref requests) % 3 == 1 ? 500 : 200;
        receiver.Delay = TimeSpan.FromMilliseconds(5);
        var (app, device) = await shoal.NewDeviceAsync();
        await app.Na.SubscribeAsync("deviceDataChanged", receiver.Url());
        using var client = await shoal.ConnectAsync(device);
        const int reports = 100;

        for (var i = 0; i < reports; i++)
        {
            await client.ReportAsync(device, $$$"""{"services":[{"service_id":"Meter","properties":{"reading":{{{i}}}}}]}""");
        }
        var delivered = 0;
        while (delivered < reports)
        {
            if ((await receiver.NextAsync(() => shoal.Time.Advance(TimeSpan.FromMinutes(1)))).AnsweredStatus == 200)
            {
                delivered++;
            }
        }

        var received = receiver.Received.ToList();
        // Every request, retries included, is about the same reading as the one before it or the next one.
        var readings = received.Select(p => Reading(p.Body)).ToList();
        Assert.Equal(Enumerable.Range(0, reports), readings.Distinct());
        Assert.Equal(readings.Order(), readings);
        Assert.Contains(received, p => p.AnsweredStatus == 500);
        var sequences = received.Where(p => p.AnsweredStatus == 200).Select(p => long.Parse(p.Sequence, CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(sequences.Order().Distinct(), sequences);
    }

    [Fact]
    public async Task Push_StatesOfOneCommand_ReachItsCallbackInStateOrder()
    {
        await using var receiver = await PushReceiver.StartAsync();
        var requests = 0;
        receiver.Answer = _ => Interlocked.Increment(ref requests) % 2 == 1 ? 503 : 200;
        receiver.Delay = TimeSpan.FromMilliseconds(20);
        var (app, device) = await shoal.NewDeviceAsync();
        using var inbox = await DeviceInbox.ConnectAsync(shoal, device);

        var command = await (await app.Na.SendAsync(HttpMethod.Post, "/iocm/app/cmd/v1.4.0/deviceCommands", new
        {
            deviceId = device.Id,
            command = new { serviceId = "Switch", method = "SET", paras = new { on = true } },
            callbackUrl = receiver.Url("/commands"),
        })).JsonAsync(HttpStatusCode.Created);
        var commandId = command.GetProperty("commandId").GetString()!;
        await inbox.NextAsync();
        await inbox.RespondAsync(commandId, """{"result_code":0,"paras":{"on":true}}""");
        var states = new List<string>();
        while (states.LastOrDefault() != "SUCCESSFUL")
        {
            var push = await receiver.NextAsync(() => shoal.Time.Advance(TimeSpan.FromMinutes(1)));
            states.Add(JsonDocument.Parse(push.Body).RootElement.GetProperty("result").GetProperty("resultCode").GetString()!);
        }

        var ranks = states.Select(s => Array.IndexOf(CommandStates, s)).ToList();
        Assert.DoesNotContain(-1, ranks);
        Assert.Equal(ranks.Order(), ranks);
        Assert.Contains("SENT", states);
        Assert.Contains(receiver.Received, p => p.AnsweredStatus == 503);
    }

    private static int Reading(string body) =>
        JsonDocument.Parse(body).RootElement.GetProperty("service").GetProperty("data").GetProperty("reading").GetInt32();
}

public sealed class PushOrderTestsOnSqlite(PushApplication<SqliteDatabase> shoal) : PushOrderTests<SqliteDatabase>(shoal);

public sealed class PushOrderTestsOnPostgres(PushApplication<PostgresDatabase> shoal) : PushOrderTests<PostgresDatabase>(shoal);
