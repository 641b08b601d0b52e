using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Shoal.Storage;
using Shoal.Storage.Entities;

namespace Shoal.Delivery;

/// <summary>
/// The waiting pushes of each application, for the backlog gauge. A scrape never waits for the database: it answers
/// what the last count found and, when that is older than <see cref="Freshness"/>, starts one grouped count in the
/// background, so however often and from however many scrapers, the database sees at most one count per interval.
/// </summary>
internal sealed partial class PushBacklog(IServiceScopeFactory scopes, ILogger<PushBacklog> logger)
{
    private static readonly TimeSpan Freshness = TimeSpan.FromSeconds(10);

    private Measurement<int>[] _last = [];
    private long _countedAt = long.MinValue;
    private int _counting;

    public IEnumerable<Measurement<int>> Observe()
    {
        if ((_countedAt == long.MinValue || Stopwatch.GetElapsedTime(Volatile.Read(ref _countedAt)) >= Freshness)
            && Interlocked.Exchange(ref _counting, 1) == 0)
        {
            _ = CountAsync();
        }
        return Volatile.Read(ref _last);
    }

    private async Task CountAsync()
    {
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<ShoalDb>();
            var waiting = await db.PushDeliveries
                .Where(d => d.State == PushDeliveryState.Pending)
                .GroupBy(d => d.ApplicationId)
                .Select(g => new { ApplicationId = g.Key, Count = g.Count() })
                .ToDictionaryAsync(g => g.ApplicationId, g => g.Count);
            // An application whose backlog emptied reports 0: a series that merely stopped would keep its last value.
            foreach (var emptied in _last.Select(m => (string)m.Tags[0].Value!).Where(id => !waiting.ContainsKey(id)))
            {
                waiting[emptied] = 0;
            }
            Volatile.Write(ref _last, [.. waiting.Select(w => new Measurement<int>(w.Value, new KeyValuePair<string, object?>("application", w.Key)))]);
        }
        catch (Exception error) when (error is not OutOfMemoryException)
        {
            LogCountFailed(logger, error);
        }
        finally
        {
            Volatile.Write(ref _countedAt, Stopwatch.GetTimestamp());
            Volatile.Write(ref _counting, 0);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Counting the waiting pushes for the backlog gauge failed; the gauge shows the last count.")]
    private static partial void LogCountFailed(ILogger logger, Exception error);
}
