using System.Net;
using System.Net.Http.Json;
using System.Net.ServerSentEvents;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using MQTTnet;
using Shoal.Server.Tests.Gateway;
using Shoal.Server.Tests.Infrastructure;
using Shoal.Server.Tests.Northbound;
using Shoal.Storage.Entities;
using static Shoal.Server.Tests.Tracing.Traces;

namespace Shoal.Server.Tests.Tracing;

/// <summary>What the operator reads of a trace: flows with filters, exports, and the live view; and how consent cuts it off.</summary>
public abstract class TraceViewTests<TDatabase>(TracingApplication<TDatabase> shoal) : IClassFixture<TracingApplication<TDatabase>>
    where TDatabase : ITestDatabase, new()
{
    private const string Report = """{"services":[{"service_id":"Temperature","properties":{"temperature":35.5}}]}""";
    private const string Malformed = """{"temperature":35.5}""";

    [Fact]
    public async Task Flows_GroupTheStepsOfEachMessageNewestFirst()
    {
        var (op, _, device, trace) = await TracedAsync();
        await ReportAsync(device, trace, Report, Report);

        var flows = await op.GetFromJsonAsync<JsonElement>($"{Route}/{trace}/flows?step=storage");

        Assert.Equal(2, flows.GetProperty("totalCount").GetInt32());
        var newest = flows.GetProperty("items")[0];
        Assert.Equal(device.Id, newest.GetProperty("deviceId").GetString());
        Assert.True(newest.GetProperty("succeeded").GetBoolean());
        Assert.Equal(["dataUp", "storage"], newest.GetProperty("steps").EnumerateArray().Select(s => s.GetProperty("step").GetString()));
        Assert.All(newest.GetProperty("steps").EnumerateArray(), s => Assert.Equal(newest.GetProperty("serial").GetString(), s.GetProperty("serial").GetString()));
    }

    [Fact]
    public async Task Flows_StatusFailed_AnswersOnlyTheFailedFlowsWithTheirReason()
    {
        var (op, _, device, trace) = await TracedAsync();
        await ReportAsync(device, trace, Report, Malformed);

        var flows = await op.GetFromJsonAsync<JsonElement>($"{Route}/{trace}/flows?status=failed");

        var flow = Assert.Single(flows.GetProperty("items").EnumerateArray());
        Assert.False(flow.GetProperty("succeeded").GetBoolean());
        Assert.StartsWith("The report is not", flow.GetProperty("steps")[0].GetProperty("reason").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Flows_UnknownStep_Answers400NamingTheSteps()
    {
        var (op, _, _, trace) = await TracedAsync();

        var response = await op.GetAsync($"{Route}/{trace}/flows?step=teleport");

        Assert.Contains("dataUp", await response.FieldErrorAsync("step"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Export_Csv_IsAnAttachmentWithOneRowPerStep()
    {
        var (op, _, device, trace) = await TracedAsync();
        await ReportAsync(device, trace, Report);

        var response = await op.GetAsync($"{Route}/{trace}/export?format=csv&step=storage");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("attachment", response.Content.Headers.ContentDisposition?.DispositionType);
        Assert.Equal($"trace-{trace}.csv", response.Content.Headers.ContentDisposition?.FileNameStar ?? response.Content.Headers.ContentDisposition?.FileName);
        var lines = (await response.Content.ReadAsStringAsync()).TrimEnd().Split('\n');
        Assert.StartsWith("serial,deviceId,step,succeeded,recordedAt,detail", lines[0], StringComparison.Ordinal);
        Assert.Equal(["dataUp", "storage"], lines[1..].Select(l => l.Split(',')[2]));
    }

    [Fact]
    public async Task Export_Json_HoldsEachStepWithItsSerialAndDevice()
    {
        var (op, _, device, trace) = await TracedAsync();
        await ReportAsync(device, trace, Report);

        var steps = await (await op.GetAsync($"{Route}/{trace}/export?format=json&step=dataUp")).JsonAsync();

        var dataUp = steps.EnumerateArray().Single(s => s.GetProperty("step").GetString() == "dataUp");
        Assert.Equal(device.Id, dataUp.GetProperty("deviceId").GetString());
        Assert.Equal(device.Topic("sys/properties/report"), dataUp.GetProperty("topic").GetString());
    }

    [Fact]
    public async Task Export_AfterConsentWithdrawn_Answers403()
    {
        var (op, app, device, trace) = await TracedAsync();
        await ReportAsync(device, trace, Report);

        await SetTracingAsync(app, "Off");

        var problem = await (await op.GetAsync($"{Route}/{trace}/export?format=csv")).ProblemAsync(HttpStatusCode.Forbidden);
        Assert.Equal("The application has withdrawn its message tracing authorization.", problem.GetProperty("title").GetString());
    }

    [Fact]
    public async Task Live_StreamsEachNewStepAsAnEvent()
    {
        var (op, _, device, trace) = await TracedAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        using var response = await op.GetAsync($"{Route}/{trace}/live", HttpCompletionOption.ResponseHeadersRead, timeout.Token);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        using var client = await shoal.ConnectAsync(device);

        await client.ReportAsync(device, Report);

        var events = SseParser.Create(await response.Content.ReadAsStreamAsync(timeout.Token)).EnumerateAsync(timeout.Token);
        await foreach (var item in events)
        {
            var step = JsonDocument.Parse(item.Data).RootElement;
            Assert.Equal(device.Id, step.GetProperty("deviceId").GetString());
            if (step.GetProperty("step").GetString() == "storage")
            {
                return;
            }
        }
        Assert.Fail("The live view ended before the storage step.");
    }

    [Fact]
    public async Task Live_OwnerWithdrawsConsent_TheStreamEnds()
    {
        var (op, app, _, trace) = await TracedAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        // The headers arrive once the consent was checked and the stream is open: withdrawn earlier, the answer is a 403.
        using var response = await op.GetAsync($"{Route}/{trace}/live", HttpCompletionOption.ResponseHeadersRead, timeout.Token);
        response.EnsureSuccessStatusCode();

        await SetTracingAsync(app, "Off");

        await ReadToEndAsync(response, timeout.Token);
        Assert.False(timeout.IsCancellationRequested);
    }

    [Fact]
    public async Task Live_AfterConsentWithdrawn_Answers403()
    {
        var (op, app, _, trace) = await TracedAsync();
        await SetTracingAsync(app, "Off");

        var response = await op.GetAsync($"{Route}/{trace}/live");

        await response.ProblemAsync(HttpStatusCode.Forbidden);
    }

    private static async Task ReadToEndAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        await foreach (var _ in SseParser.Create(await response.Content.ReadAsStreamAsync(cancellationToken)).EnumerateAsync(cancellationToken))
        {
        }
    }

    /// <summary>Connects, publishes each payload as a report, and waits until each is traced to its end.</summary>
    private async Task ReportAsync(TestDevice device, string trace, params string[] payloads)
    {
        using var client = await shoal.ConnectAsync(device);
        foreach (var payload in payloads)
        {
            await client.ReportAsync(device, payload);
        }
        await client.DisconnectAsync(new MqttClientDisconnectOptions());
        var good = payloads.Count(p => p == Report);
        var bad = payloads.Length - good;
        await shoal.EventuallyAsync(async db =>
            await db.TraceRecords.CountAsync(r => r.SessionId == trace && r.Step == TraceStep.Storage) == good
            && await db.TraceRecords.CountAsync(r => r.SessionId == trace && r.Step == TraceStep.DataUp && !r.Succeeded) == bad);
    }

    private async Task<(HttpClient Operator, NaApplication App, TestDevice Device, string TraceId)> TracedAsync()
    {
        var op = await shoal.NewOperatorAsync();
        var (app, device) = await shoal.TracedDeviceAsync();
        var trace = await StartedAsync(op, app.Id, device.Id);
        return (op, app, device, trace.GetProperty("id").GetString()!);
    }
}

public sealed class TraceViewTestsOnSqlite(TracingApplication<SqliteDatabase> shoal) : TraceViewTests<SqliteDatabase>(shoal);

public sealed class TraceViewTestsOnPostgres(TracingApplication<PostgresDatabase> shoal) : TraceViewTests<PostgresDatabase>(shoal);
