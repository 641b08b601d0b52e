using Microsoft.EntityFrameworkCore;
using Shoal.Server.Common;
using Shoal.Storage;
using Shoal.Storage.Entities;

namespace Shoal.Server.Tracing;

/// <summary>Reads a trace's records as flows: the steps that share a serial, one message's way through Shoal.</summary>
internal sealed class TraceFlows(ShoalDb db)
{
    /// <summary>Most steps an export holds: three days of ten busy devices fit, a runaway does not.</summary>
    public const int MaxExportSteps = 100_000;

    public async Task<Paged<TraceFlowResponse>> PageAsync(string traceId, TraceFilter filter, int? page, int? pageSize, CancellationToken cancellationToken)
    {
        var (number, size) = Paging.Normalize(page, pageSize);
        var flows = Flows(traceId, filter);
        var total = await flows.CountAsync(cancellationToken);
        var serials = await flows.OrderByDescending(f => f.FirstId).Skip((number - 1) * size).Take(size).Select(f => f.Serial).ToListAsync(cancellationToken);
        var steps = await db.TraceRecords.AsNoTracking()
            .Where(r => r.SessionId == traceId && serials.Contains(r.Serial))
            .OrderBy(r => r.Id)
            .ToListAsync(cancellationToken);
        var items = steps.GroupBy(r => r.Serial)
            .OrderBy(g => serials.IndexOf(g.Key))
            .Select(g => new TraceFlowResponse(g.Key, g.First().DeviceId, g.First().RecordedAt, g.All(r => r.Succeeded), g.Select(r => r.ToResponse()).ToList()))
            .ToList();
        return new Paged<TraceFlowResponse>(items, number, size, total);
    }

    /// <summary>Every step of the flows that match, oldest first: what an export holds.</summary>
    public IAsyncEnumerable<TraceRecord> StepsAsync(string traceId, TraceFilter filter)
    {
        var serials = Flows(traceId, filter).Select(f => f.Serial);
        return db.TraceRecords.AsNoTracking()
            .Where(r => r.SessionId == traceId && serials.Contains(r.Serial))
            .OrderBy(r => r.Id)
            .Take(MaxExportSteps)
            .AsAsyncEnumerable();
    }

    /// <summary>Steps recorded after <paramref name="afterId"/>, for the live view.</summary>
    public Task<List<TraceRecord>> AfterAsync(string traceId, long afterId, CancellationToken cancellationToken) =>
        db.TraceRecords.AsNoTracking().Where(r => r.SessionId == traceId && r.Id > afterId).OrderBy(r => r.Id).Take(500).ToListAsync(cancellationToken);

    /// <summary>A flow as the database sees it; set by initialisers, which EF can translate inside further queries.</summary>
    private sealed class Flow
    {
        public required string Serial { get; init; }
        public long FirstId { get; init; }
    }

    private IQueryable<Flow> Flows(string traceId, TraceFilter filter)
    {
        var records = db.TraceRecords.Where(r => r.SessionId == traceId);
        if (filter.DeviceId is { Length: > 0 } deviceId)
        {
            records = records.Where(r => r.DeviceId == deviceId);
        }
        if (filter.From is { } from)
        {
            records = records.Where(r => r.RecordedAt >= from);
        }
        if (filter.To is { } to)
        {
            records = records.Where(r => r.RecordedAt < to);
        }
        var grouped = records.GroupBy(r => r.Serial).Select(g => new { Serial = g.Key, FirstId = g.Min(r => r.Id), Failures = g.Count(r => !r.Succeeded) });
        if (filter.Step is { } step)
        {
            var withStep = records.Where(r => r.Step == step).Select(r => r.Serial);
            grouped = grouped.Where(g => withStep.Contains(g.Serial));
        }
        grouped = filter.Succeeded switch
        {
            true => grouped.Where(g => g.Failures == 0),
            false => grouped.Where(g => g.Failures > 0),
            null => grouped,
        };
        return grouped.Select(g => new Flow { Serial = g.Serial, FirstId = g.FirstId });
    }
}
