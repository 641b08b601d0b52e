using System.Buffers;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Shoal.Server.Audit;
using Shoal.Server.Common;
using Shoal.Server.Devices;
using Shoal.Storage;

namespace Shoal.Server.Live;

/// <summary>An application's devices live, as server-sent events.</summary>
internal static class LiveEndpoints
{
    /// <summary>How long a quiet stream waits before a comment line tells the client (and any proxy) it is still there.</summary>
    public static readonly TimeSpan KeepAliveInterval = TimeSpan.FromSeconds(15);

    public static IEndpointRouteBuilder MapLive(this IEndpointRouteBuilder routes)
    {
        routes.MapGroup("/applications/{id}").WithTags("Devices")
            .MapGet("/live", Follow)
            .WithName("FollowApplicationLive")
            .WithSummary("Server-sent events: the devices' reports, messages, events, status changes and command states as they happen; filter by deviceId and types.");
        return routes;
    }

    private static async Task<Results<EmptyHttpResult, ProblemHttpResult>> Follow(
        HttpContext http, Applications.Applications applications, DeviceRegistry registry, ShoalDb db, LiveFeed feed, string id, string? deviceId,
        string? types, CancellationToken cancellationToken)
    {
        if (await applications.FindAsync(Actor.From(http).RequiredId, id, cancellationToken) is null)
        {
            return new Missing("Application").ToProblem();
        }
        if (!string.IsNullOrEmpty(deviceId) && await registry.FindAsync(id, deviceId, cancellationToken) is null)
        {
            return new Missing("Device").ToProblem();
        }
        var wanted = types is null
            ? [.. LiveFeed.Types.Values]
            : types.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToHashSet();
        if (wanted.Count == 0 || !wanted.IsSubsetOf(LiveFeed.Types.Values))
        {
            return new InvalidInput(FieldErrors.Of("types", $"Choose among {string.Join(", ", LiveFeed.Types.Values)}, separated by commas.")).ToProblem();
        }
        var after = await db.DeviceEvents.MaxAsync(e => (long?)e.Id, cancellationToken) ?? 0;
        using var watcher = feed.Watch(new LiveFilter(id, string.IsNullOrEmpty(deviceId) ? null : deviceId, wanted), after);
        http.Response.ContentType = "text/event-stream";
        http.Response.Headers.CacheControl = "no-cache";
        // A comment line first: it carries the headers to the client at once, before any event happens.
        await http.Response.WriteAsync($": live {id}\n\n", cancellationToken);
        await http.Response.Body.FlushAsync(cancellationToken);
        var buffer = new ArrayBufferWriter<byte>();
        try
        {
            while (true)
            {
                using var quiet = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                quiet.CancelAfter(KeepAliveInterval);
                bool more;
                try
                {
                    more = await watcher.Events.WaitToReadAsync(quiet.Token);
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    await http.Response.WriteAsync(": keep-alive\n\n", cancellationToken);
                    await http.Response.Body.FlushAsync(cancellationToken);
                    continue;
                }
                if (!more)
                {
                    break;
                }
                while (watcher.Events.TryRead(out var live))
                {
                    buffer.ResetWrittenCount();
                    Write(buffer, live);
                    await http.Response.Body.WriteAsync(buffer.WrittenMemory, cancellationToken);
                }
                await http.Response.Body.FlushAsync(cancellationToken);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        return TypedResults.Empty;
    }

    private static void Write(ArrayBufferWriter<byte> buffer, LiveEvent live)
    {
        buffer.Write(Encoding.UTF8.GetBytes($"event: {live.Type}\ndata: "));
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("type", live.Type);
            json.WriteString("deviceId", live.DeviceId);
            json.WriteString("deviceName", live.DeviceName);
            json.WriteString("time", live.Time);
            json.WritePropertyName("data");
            json.WriteRawValue(live.Data, skipInputValidation: true);
            json.WriteEndObject();
        }
        buffer.Write("\n\n"u8);
    }
}
