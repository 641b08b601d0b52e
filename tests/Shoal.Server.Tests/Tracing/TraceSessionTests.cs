using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Shoal.Server.Tests.Infrastructure;
using Shoal.Server.Tests.Rules;
using Shoal.Storage.Entities;
using static Shoal.Server.Tests.Tracing.Traces;

namespace Shoal.Server.Tests.Tracing;

/// <summary>Starting, stopping and listing traces; consent; limits; the owner's view; retention.</summary>
public abstract class TraceSessionTests<TDatabase>(TracingApplication<TDatabase> shoal) : IClassFixture<TracingApplication<TDatabase>>
    where TDatabase : ITestDatabase, new()
{
    [Fact]
    public async Task Start_ApplicationAuthorizesTracing_AnswersARunningTraceOfTheDevices()
    {
        var op = await shoal.NewOperatorAsync();
        var (app, device) = await shoal.TracedDeviceAsync();

        var trace = await StartedAsync(op, app.Id, device.Id);

        Assert.Equal("running", trace.GetProperty("state").GetString());
        Assert.Equal(app.Name, trace.GetProperty("applicationName").GetString());
        Assert.Equal([device.Id], trace.GetProperty("deviceIds").EnumerateArray().Select(d => d.GetString()));
        Assert.Equal(TimeSpan.FromMinutes(30), trace.GetProperty("endsAt").GetDateTimeOffset() - trace.GetProperty("startedAt").GetDateTimeOffset());
    }

    [Fact]
    public async Task Start_WithAnEmailServer_TellsTheOwnerByEmail()
    {
        await using var smtp = SmtpReceiver.Start();
        await shoal.ReplaceEmailServersAsync(smtp);
        var op = await shoal.NewOperatorAsync();
        var (app, device) = await shoal.TracedDeviceAsync();

        await StartedAsync(op, app.Id, device.Id);

        var mail = await smtp.NextAsync();
        Assert.Equal(app.Owner.Email, mail.To.Mailboxes.Single().Address);
        Assert.Equal($"An operator started a trace on application {app.Name}", mail.Subject);
        Assert.Contains(device.Id, mail.TextBody, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_ApplicationWithTracingOff_Answers403AndStartsNothing()
    {
        var op = await shoal.NewOperatorAsync();
        var (app, device) = await shoal.NewDeviceAsync();

        var problem = await (await StartAsync(op, app.Id, [device.Id])).ProblemAsync(HttpStatusCode.Forbidden);

        Assert.Contains("not authorized message tracing", problem.GetProperty("title").GetString(), StringComparison.Ordinal);
        Assert.Equal(0, await shoal.QueryAsync(db => db.TraceSessions.CountAsync(s => s.ApplicationId == app.Id)));
    }

    [Fact]
    public async Task Start_CustomAuthorizationPassed_Answers403()
    {
        var op = await shoal.NewOperatorAsync();
        var until = shoal.Time.GetUtcNow().AddHours(1);
        var (app, device) = await shoal.TracedDeviceAsync(("tracing", "Custom"), ("tracingUntil", until));
        shoal.Time.Advance(TimeSpan.FromHours(1));

        var response = await StartAsync(op, app.Id, [device.Id]);

        await response.ProblemAsync(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task Start_ElevenDevices_Answers400NamingTheLimit()
    {
        var op = await shoal.NewOperatorAsync();
        var (app, first) = await shoal.TracedDeviceAsync();
        var devices = new List<string> { first.Id };
        for (var i = 0; i < 10; i++)
        {
            devices.Add((await shoal.RegisterAsync(app.Na, $"node-{i}")).Id);
        }

        var error = await (await StartAsync(op, app.Id, devices)).FieldErrorAsync("deviceIds");

        Assert.Contains("at most 10 devices", error, StringComparison.Ordinal);
        Assert.Equal(0, await shoal.QueryAsync(db => db.TraceSessions.CountAsync(s => s.ApplicationId == app.Id)));
    }

    [Fact]
    public async Task Start_BeyondTheOperatorsLimitAcrossRunningTraces_Answers400()
    {
        var op = await shoal.NewOperatorAsync();
        var (app, first) = await shoal.TracedDeviceAsync();
        var devices = new List<string> { first.Id };
        for (var i = 0; i < 10; i++)
        {
            devices.Add((await shoal.RegisterAsync(app.Na, $"node-{i}")).Id);
        }
        await StartedAsync(op, app.Id, [.. devices[..6]]);

        var error = await (await StartAsync(op, app.Id, devices[6..])).FieldErrorAsync("deviceIds");

        Assert.Contains("You already trace 6 devices", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_DeviceOfAnotherApplication_Answers400NamingIt()
    {
        var op = await shoal.NewOperatorAsync();
        var (app, device) = await shoal.TracedDeviceAsync();
        var (_, foreign) = await shoal.TracedDeviceAsync();

        var error = await (await StartAsync(op, app.Id, [device.Id, foreign.Id])).FieldErrorAsync("deviceIds");

        Assert.Contains(foreign.Id, error, StringComparison.Ordinal);
        Assert.Equal(0, await shoal.QueryAsync(db => db.TraceSessions.CountAsync(s => s.ApplicationId == app.Id)));
    }

    [Fact]
    public async Task Start_UnknownDevice_Answers400()
    {
        var op = await shoal.NewOperatorAsync();
        var (app, _) = await shoal.TracedDeviceAsync();

        var error = await (await StartAsync(op, app.Id, ["no-such-device"])).FieldErrorAsync("deviceIds");

        Assert.Contains("no-such-device", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_DurationBeyond24Hours_Answers400()
    {
        var op = await shoal.NewOperatorAsync();
        var (app, device) = await shoal.TracedDeviceAsync();

        var error = await (await StartAsync(op, app.Id, [device.Id], durationMinutes: 24 * 60 + 1)).FieldErrorAsync("durationMinutes");

        Assert.Contains("1 to 1440 minutes", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_AsUser_Answers403()
    {
        var (app, device) = await shoal.TracedDeviceAsync();

        var response = await StartAsync(app.Owner.Client, app.Id, [device.Id]);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal(0, await shoal.QueryAsync(db => db.TraceSessions.CountAsync(s => s.ApplicationId == app.Id)));
    }

    [Fact]
    public async Task Start_IsWrittenToTheApplicationsAuditLog()
    {
        var op = await shoal.NewOperatorAsync();
        var (app, device) = await shoal.TracedDeviceAsync();

        var trace = await StartedAsync(op, app.Id, device.Id);

        var audit = await app.Owner.Client.GetFromJsonAsync<JsonElement>($"{ApplicationApi.Route}/{app.Id}/audit");
        var entry = audit.GetProperty("items").EnumerateArray().First();
        Assert.Equal("trace.started", entry.GetProperty("action").GetString());
        Assert.EndsWith("(operator)", entry.GetProperty("actor").GetString(), StringComparison.Ordinal);
        Assert.Contains(device.Id, entry.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Contains(trace.GetProperty("id").GetString()!, entry.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Stop_RunningTrace_IsStoppedAndAudited()
    {
        var op = await shoal.NewOperatorAsync();
        var (app, device) = await shoal.TracedDeviceAsync();
        var id = (await StartedAsync(op, app.Id, device.Id)).GetProperty("id").GetString();

        var stopped = await (await op.PostAsync($"{Route}/{id}/stop", null)).JsonAsync();

        Assert.Equal("stopped", stopped.GetProperty("state").GetString());
        var audit = await app.Owner.Client.GetFromJsonAsync<JsonElement>($"{ApplicationApi.Route}/{app.Id}/audit");
        Assert.Equal("trace.stopped", audit.GetProperty("items")[0].GetProperty("action").GetString());
    }

    [Fact]
    public async Task Get_AfterItsDuration_IsEnded()
    {
        var op = await shoal.NewOperatorAsync();
        var (app, device) = await shoal.TracedDeviceAsync();
        var id = (await StartedAsync(op, app.Id, device.Id)).GetProperty("id").GetString();
        shoal.Time.Advance(TimeSpan.FromMinutes(30));

        var trace = await op.GetFromJsonAsync<JsonElement>($"{Route}/{id}");

        Assert.Equal("ended", trace.GetProperty("state").GetString());
    }

    [Fact]
    public async Task OwnerList_ShowsEveryTraceWithItsOperatorDevicesAndState()
    {
        var op = await shoal.NewOperatorAsync();
        var (app, device) = await shoal.TracedDeviceAsync();
        var first = (await StartedAsync(op, app.Id, device.Id)).GetProperty("id").GetString();
        await op.PostAsync($"{Route}/{first}/stop", null);
        var second = (await StartedAsync(op, app.Id, device.Id)).GetProperty("id").GetString();

        var traces = await app.Owner.Client.GetFromJsonAsync<JsonElement>($"{ApplicationApi.Route}/{app.Id}/traces");

        Assert.Equal(2, traces.GetProperty("totalCount").GetInt32());
        var items = traces.GetProperty("items").EnumerateArray().ToList();
        Assert.Equal([second, first], items.Select(t => t.GetProperty("id").GetString()));
        Assert.Equal(["running", "stopped"], items.Select(t => t.GetProperty("state").GetString()));
        Assert.All(items, t => Assert.StartsWith("operator-", t.GetProperty("operator").GetString(), StringComparison.Ordinal));
        Assert.All(items, t => Assert.Equal(device.Id, t.GetProperty("deviceIds")[0].GetString()));
    }

    [Fact]
    public async Task OwnerList_AnotherUsersApplication_Answers404()
    {
        var (app, _) = await shoal.TracedDeviceAsync();
        var stranger = await shoal.SignUpAsync();

        var response = await stranger.Client.GetAsync($"{ApplicationApi.Route}/{app.Id}/traces");

        await response.ProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Withdraw_OwnerTurnsTracingOff_TheTraceIsWithdrawnAndAnswers403()
    {
        var op = await shoal.NewOperatorAsync();
        var (app, device) = await shoal.TracedDeviceAsync();
        var id = (await StartedAsync(op, app.Id, device.Id)).GetProperty("id").GetString();

        await SetTracingAsync(app, "Off");

        var problem = await (await op.GetAsync($"{Route}/{id}")).ProblemAsync(HttpStatusCode.Forbidden);
        Assert.Equal("The application has withdrawn its message tracing authorization.", problem.GetProperty("title").GetString());
        var owners = await app.Owner.Client.GetFromJsonAsync<JsonElement>($"{ApplicationApi.Route}/{app.Id}/traces");
        Assert.Equal("withdrawn", owners.GetProperty("items")[0].GetProperty("state").GetString());
    }

    [Fact]
    public async Task Withdraw_OwnerTurnsTracingOff_EvenEndedTracesLeaveTheOperatorsList()
    {
        var op = await shoal.NewOperatorAsync();
        var (app, device) = await shoal.TracedDeviceAsync();
        var id = (await StartedAsync(op, app.Id, device.Id)).GetProperty("id").GetString();
        await op.PostAsync($"{Route}/{id}/stop", null);

        await SetTracingAsync(app, "Off");

        var list = await op.GetFromJsonAsync<JsonElement>($"{Route}?applicationId={app.Id}");
        Assert.Equal(0, list.GetProperty("totalCount").GetInt32());
        await (await op.PostAsync($"{Route}/{id}/stop", null)).ProblemAsync(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task Withdraw_CustomAuthorizationRunsOut_RunningTraceIsWithdrawnWhenItRanOut()
    {
        var op = await shoal.NewOperatorAsync();
        var until = shoal.Time.GetUtcNow().AddMinutes(10);
        var (app, device) = await shoal.TracedDeviceAsync(("tracing", "Custom"), ("tracingUntil", until));
        var id = (await StartedAsync(op, app.Id, device.Id)).GetProperty("id").GetString();
        shoal.Time.Advance(TimeSpan.FromMinutes(11));

        await shoal.RunTraceRetentionAsync();

        var session = await shoal.QueryAsync(db => db.TraceSessions.SingleAsync(s => s.Id == id));
        Assert.Equal(TraceStopReason.AuthorizationWithdrawn, session.StopReason);
        Assert.Equal(until, session.StoppedAt!.Value, TimeSpan.FromMilliseconds(1));
        Assert.False(shoal.Recorder.IsTraced(device.Id));
    }

    [Fact]
    public async Task Withdraw_OwnerTurnsTracingOff_TheDeviceIsNoLongerRecorded()
    {
        var op = await shoal.NewOperatorAsync();
        var (app, device) = await shoal.TracedDeviceAsync();
        await StartedAsync(op, app.Id, device.Id);
        Assert.True(shoal.Recorder.IsTraced(device.Id));

        await SetTracingAsync(app, "Off");

        Assert.False(shoal.Recorder.IsTraced(device.Id));
    }

    [Fact]
    public async Task Retention_RecordsOlderThan72Hours_AreDeletedAndTheTraceStays()
    {
        var op = await shoal.NewOperatorAsync();
        var (app, device) = await shoal.TracedDeviceAsync();
        var id = (await StartedAsync(op, app.Id, device.Id)).GetProperty("id").GetString()!;
        var now = shoal.Time.GetUtcNow();
        await AddRecordsAsync(id, device.Id, now.AddHours(-73), now.AddHours(-73), now.AddHours(-71));

        await shoal.RunTraceRetentionAsync();

        var left = await shoal.QueryAsync(db => db.TraceRecords.Where(r => r.SessionId == id).Select(r => r.Serial).ToListAsync());
        Assert.Equal(["s-2"], left);
        var owners = await app.Owner.Client.GetFromJsonAsync<JsonElement>($"{ApplicationApi.Route}/{app.Id}/traces");
        Assert.Equal(id, owners.GetProperty("items")[0].GetProperty("id").GetString());
    }

    [Fact]
    public async Task Settings_TraceRetentionAbove72Hours_Answers400AndChangesNothing()
    {
        var response = await shoal.Operator.PutAsJsonAsync("/api/v1/operator/settings", new { historyMaxDays = 7, traceRetentionHours = 73 });

        Assert.Contains("3 days at most", await response.FieldErrorAsync("traceRetentionHours"), StringComparison.Ordinal);
        var settings = await shoal.Operator.GetFromJsonAsync<JsonElement>("/api/v1/operator/settings");
        Assert.Equal(72, settings.GetProperty("traceRetentionHours").GetInt32());
    }

    private Task<int> AddRecordsAsync(string sessionId, string deviceId, params DateTimeOffset[] times) => shoal.QueryAsync(async db =>
    {
        db.TraceRecords.AddRange(times.Select((at, i) => new TraceRecord
        {
            SessionId = sessionId, DeviceId = deviceId, Serial = $"s-{i}", Step = TraceStep.DataUp, Succeeded = true, Detail = "report", RecordedAt = at,
        }));
        return await db.SaveChangesAsync();
    });
}

public sealed class TraceSessionTestsOnSqlite(TracingApplication<SqliteDatabase> shoal) : TraceSessionTests<SqliteDatabase>(shoal);

public sealed class TraceSessionTestsOnPostgres(TracingApplication<PostgresDatabase> shoal) : TraceSessionTests<PostgresDatabase>(shoal);
