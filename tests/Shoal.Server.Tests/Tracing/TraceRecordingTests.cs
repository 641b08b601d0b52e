using System.Net;
using System.Net.Http.Json;
using MQTTnet;
using Shoal.Server.Tests.Gateway;
using Shoal.Server.Tests.Infrastructure;
using Shoal.Server.Tests.Northbound;
using Shoal.Server.Tests.Subscriptions;
using Shoal.Storage.Entities;
using static Shoal.Server.Tests.Tracing.Traces;

namespace Shoal.Server.Tests.Tracing;

/// <summary>Each step of a traced device, from a real MQTT client to a real HTTP receiver, is recorded with its flow's serial.</summary>
public abstract class TraceRecordingTests<TDatabase>(TracingApplication<TDatabase> shoal) : IClassFixture<TracingApplication<TDatabase>>
    where TDatabase : ITestDatabase, new()
{
    private const string Report = """{"services":[{"service_id":"Temperature","properties":{"temperature":35.5}}]}""";
    private const string CommandsPath = "/iocm/app/cmd/v1.4.0/deviceCommands";

    [Fact]
    public async Task Connect_TracedDevice_RecordsConnectAndAuthenticationInOneFlow()
    {
        var (app, device, trace) = await TracedAsync();

        using var client = await shoal.ConnectAsync(device);

        var steps = await shoal.StepsOnceAsync(trace, "authenticate");
        Assert.Equal([TraceStep.Connect, TraceStep.Authenticate], steps.Select(s => s.Step));
        Assert.All(steps, s => Assert.True(s.Succeeded));
        Assert.Single(steps.Select(s => s.Serial).Distinct());
    }

    [Fact]
    public async Task Connect_WrongPassword_RecordsTheFailureInPlainWordsWithAHint()
    {
        var (_, device, trace) = await TracedAsync();

        var (client, _) = await shoal.TryConnectAsync(device, password: new string('0', 64));
        client.Dispose();

        var failed = (await shoal.StepsOnceAsync(trace, "authenticate")).Single(s => s.Step == TraceStep.Authenticate);
        Assert.False(failed.Succeeded);
        Assert.Equal("Unknown device or wrong password.", failed.Reason);
        Assert.StartsWith("Wrong password: check the device secret", failed.Hint, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Report_TracedDevice_RecordsDataUpAndStorageInOneFlow()
    {
        var (_, device, trace) = await TracedAsync();
        using var client = await shoal.ConnectAsync(device);

        await client.ReportAsync(device, Report);

        var steps = await shoal.StepsOnceAsync(trace, "storage");
        var dataUp = steps.Single(s => s.Step == TraceStep.DataUp);
        var storage = steps.Single(s => s.Step == TraceStep.Storage);
        Assert.Equal(device.Topic("sys/properties/report"), dataUp.Topic);
        Assert.Equal(Report.Length, dataUp.Size);
        Assert.True(dataUp.Succeeded && storage.Succeeded);
        Assert.Equal(dataUp.Serial, storage.Serial);
    }

    [Fact]
    public async Task Report_Malformed_RecordsTheRefusedDataUpWithItsReason()
    {
        var (_, device, trace) = await TracedAsync();
        using var client = await shoal.ConnectAsync(device);

        await client.ReportAsync(device, """{"temperature":35.5}""");

        var dataUp = (await shoal.StepsOnceAsync(trace, "dataUp")).Single(s => s.Step == TraceStep.DataUp);
        Assert.False(dataUp.Succeeded);
        Assert.StartsWith("The report is not", dataUp.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Report_Subscribed_RecordsThePushAttemptInTheSameFlow()
    {
        await using var receiver = await PushReceiver.StartAsync();
        var (app, device, trace) = await TracedAsync();
        await app.Na.SubscribeAsync("deviceDataChanged", receiver.Url());
        using var client = await shoal.ConnectAsync(device);

        await client.ReportAsync(device, Report);

        var steps = await shoal.StepsOnceAsync(trace, "push");
        var push = steps.Single(s => s.Step == TraceStep.Push);
        Assert.True(push.Succeeded);
        Assert.Equal(receiver.Url(), push.Url);
        Assert.Equal(200, push.StatusCode);
        Assert.NotNull(push.LatencyMs);
        Assert.Equal(steps.Single(s => s.Step == TraceStep.DataUp).Serial, push.Serial);
    }

    [Fact]
    public async Task Push_ReceiverAnswers503_RecordsTheFailureInPlainWords()
    {
        await using var receiver = await PushReceiver.StartAsync();
        receiver.Answer = _ => 503;
        var (app, device, trace) = await TracedAsync();
        await app.Na.SubscribeAsync("deviceDataChanged", receiver.Url());
        using var client = await shoal.ConnectAsync(device);

        await client.ReportAsync(device, Report);

        var push = (await shoal.StepsOnceAsync(trace, "push")).First(s => s.Step == TraceStep.Push);
        Assert.False(push.Succeeded);
        Assert.Equal(503, push.StatusCode);
        Assert.Equal("The callback answered 503: the NA server is failing.", push.Reason);
        Assert.NotNull(push.Hint);
    }

    [Fact]
    public async Task Command_RecordsItsWayDownAndTheResponseUnderTheCommandId()
    {
        var (app, device, trace) = await TracedAsync();
        using var inbox = await DeviceInbox.ConnectAsync(shoal, device);
        var command = await (await app.Na.SendAsync(HttpMethod.Post, CommandsPath, new
        {
            deviceId = device.Id,
            command = new { serviceId = "Switch", method = "SET", paras = new { on = true } },
        })).JsonAsync(HttpStatusCode.Created);
        var commandId = command.GetProperty("commandId").GetString()!;
        await inbox.NextAsync();

        await inbox.RespondAsync(commandId, """{"result_code":0,"response_name":"SET_RESPONSE","paras":{"on":true}}""");

        var steps = await shoal.StepsOnceAsync(trace, "commandResponse");
        var flow = steps.Where(s => s.Serial == commandId).ToList();
        Assert.Contains(flow, s => s.Step == TraceStep.CommandDown && s.Detail.EndsWith("SENT.", StringComparison.Ordinal));
        Assert.Contains(flow, s => s.Step == TraceStep.CommandResponse && s.Succeeded);
    }

    [Fact]
    public async Task MessageDown_ConnectedDevice_IsRecorded()
    {
        var (app, device, trace) = await TracedAsync();
        using var inbox = await DeviceInbox.ConnectAsync(shoal, device, topics: "sys/messages/down");

        (await app.Owner.Client.PostAsJsonAsync($"{ApplicationApi.Route}/{app.Id}/devices/{device.Id}/messages", new { door = "close" }))
            .EnsureSuccessStatusCode();

        var down = (await shoal.StepsOnceAsync(trace, "messageDown")).Single(s => s.Step == TraceStep.MessageDown);
        Assert.True(down.Succeeded);
        Assert.Equal(device.Topic("sys/messages/down"), down.Topic);
    }

    [Fact]
    public async Task Disconnect_Clean_IsRecordedInTheConnectionsFlow()
    {
        var (_, device, trace) = await TracedAsync();
        var client = await shoal.ConnectAsync(device);

        await client.DisconnectAsync(new MqttClientDisconnectOptions());
        client.Dispose();

        var steps = await shoal.StepsOnceAsync(trace, "disconnect");
        var disconnect = steps.Single(s => s.Step == TraceStep.Disconnect);
        Assert.True(disconnect.Succeeded);
        Assert.Equal(steps.Single(s => s.Step == TraceStep.Connect).Serial, disconnect.Serial);
    }

    [Fact]
    public async Task Rule_Fires_IsRecordedInTheReportsFlow()
    {
        var (app, device, trace) = await TracedAsync();
        (await app.Na.SendAsync(HttpMethod.Post, "/iocm/app/rule/v1.2.0/rules", """
            {"name": "too warm", "conditions": [{"type": "DEVICE_DATA", "deviceInfo": {"path": "Temperature/temperature"}, "operator": ">", "value": 30}],
             "actions": [{"type": "RULE_EVENT"}]}
            """)).EnsureSuccessStatusCode();
        using var client = await shoal.ConnectAsync(device);

        await client.ReportAsync(device, Report);

        var steps = await shoal.StepsOnceAsync(trace, "ruleFired");
        var fired = steps.Single(s => s.Step == TraceStep.RuleFired);
        Assert.Contains("too warm", fired.Detail, StringComparison.Ordinal);
        Assert.Equal(steps.Single(s => s.Step == TraceStep.DataUp).Serial, fired.Serial);
    }

    [Fact]
    public async Task Report_UntracedDeviceOfATracedApplication_RecordsNothing()
    {
        var (app, traced, trace) = await TracedAsync();
        var untraced = await shoal.RegisterAsync(app.Na, "untraced");
        using (var other = await shoal.ConnectAsync(untraced))
        {
            await other.ReportAsync(untraced, Report);
        }
        using var client = await shoal.ConnectAsync(traced);

        await client.ReportAsync(traced, Report);

        var steps = await shoal.StepsOnceAsync(trace, "storage");
        Assert.All(steps, s => Assert.Equal(traced.Id, s.DeviceId));
    }

    private async Task<(NaApplication App, TestDevice Device, string TraceId)> TracedAsync()
    {
        var op = await shoal.NewOperatorAsync();
        var (app, device) = await shoal.TracedDeviceAsync();
        var trace = await StartedAsync(op, app.Id, device.Id);
        return (app, device, trace.GetProperty("id").GetString()!);
    }
}

public sealed class TraceRecordingTestsOnSqlite(TracingApplication<SqliteDatabase> shoal) : TraceRecordingTests<SqliteDatabase>(shoal);

public sealed class TraceRecordingTestsOnPostgres(TracingApplication<PostgresDatabase> shoal) : TraceRecordingTests<PostgresDatabase>(shoal);
