using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Shoal.Server.Tests.Gateway;
using Shoal.Server.Tests.Infrastructure;
using Shoal.Server.Tests.Northbound;
using Shoal.Server.Tests.Subscriptions;
using Shoal.Server.Tracing;
using Shoal.Storage.Tracing;

namespace Shoal.Server.Tests.Tracing;

/// <summary>Shoal with its gateway and pushes, and ways to make operators, traced devices and traces.</summary>
public class TracingApplication<TDatabase> : PushApplication<TDatabase>
    where TDatabase : ITestDatabase, new()
{
    /// <summary>A new operator of its own, so that each test has the whole per-operator device limit.</summary>
    public async Task<HttpClient> NewOperatorAsync()
    {
        var user = await SignUpAsync("operator");
        await QueryAsync(db => db.Users.Where(u => u.Id == user.Id).ExecuteUpdateAsync(u => u.SetProperty(x => x.IsOperator, true)));
        return user.Client;
    }

    /// <summary>An application that authorizes tracing (Always unless <paramref name="fields"/> say otherwise) and one device of it.</summary>
    public Task<(NaApplication App, TestDevice Device)> TracedDeviceAsync(params (string Field, object? Value)[] fields) =>
        NewDeviceAsync([("tracing", "Always"), .. fields]);

    public Task<int> RunTraceRetentionAsync() => Services.GetRequiredService<TraceRetentionWorker>().RunOnceAsync(CancellationToken.None);

    public TraceRecorder Recorder => Services.GetRequiredService<TraceRecorder>();

    /// <summary>Waits until the trace holds a step of <paramref name="step"/> (camelCase) and returns the trace's steps.</summary>
    public async Task<List<Storage.Entities.TraceRecord>> StepsOnceAsync(string traceId, string step)
    {
        var kind = Enum.Parse<Storage.Entities.TraceStep>(step, ignoreCase: true);
        await EventuallyAsync(db => db.TraceRecords.AnyAsync(r => r.SessionId == traceId && r.Step == kind));
        return await QueryAsync(db => db.TraceRecords.Where(r => r.SessionId == traceId).OrderBy(r => r.Id).ToListAsync());
    }
}

/// <summary>Short ways to start traces and change consent through the API.</summary>
public static class Traces
{
    public const string Route = "/api/v1/operator/traces";

    public static Task<HttpResponseMessage> StartAsync(HttpClient client, string applicationId, IEnumerable<string> deviceIds, int? durationMinutes = null) =>
        client.PostAsJsonAsync(Route, new { applicationId, deviceIds, durationMinutes });

    public static async Task<JsonElement> StartedAsync(HttpClient client, string applicationId, params string[] deviceIds) =>
        await (await StartAsync(client, applicationId, deviceIds)).JsonAsync(HttpStatusCode.Created);

    /// <summary>Turns the application's tracing authorization to <paramref name="tracing"/>, as its owner does in the portal.</summary>
    public static async Task SetTracingAsync(NaApplication app, string tracing, DateTimeOffset? tracingUntil = null) =>
        (await app.Owner.Client.PutAsJsonAsync($"{ApplicationApi.Route}/{app.Id}", new { industry = "agriculture", tracing, tracingUntil }))
            .EnsureSuccessStatusCode();
}
