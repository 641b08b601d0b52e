using Microsoft.EntityFrameworkCore;
using Shoal.Delivery.Mail;
using Shoal.Server.Audit;
using Shoal.Server.Common;
using Shoal.Server.Security;
using Shoal.Storage;
using Shoal.Storage.Entities;
using Shoal.Storage.Tracing;

namespace Shoal.Server.Tracing;

/// <summary>
/// Starts, stops and lists operators' traces. Every read of a trace goes through <see cref="AccessAsync"/>, which refuses
/// it once the application's consent is no longer valid: that, and <see cref="TraceConsent"/>, is where consent is enforced.
/// </summary>
internal sealed class TraceSessions(ShoalDb db, AuditLog audit, TraceRecorder recorder, PlatformMail platformMail, TimeProvider time)
{
    public const int DefaultMinutes = 30;

    /// <summary>A trace with what its answer shows.</summary>
    public sealed record View(TraceSession Session, Application Application, int RecordCount);

    public async Task<Outcome<View>> StartAsync(Actor actor, StartTraceRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(actor);
        ArgumentNullException.ThrowIfNull(request);
        if (!actor.IsOperator)
        {
            return new Refused(StatusCodes.Status403Forbidden, "Only an operator can start a trace.");
        }
        var now = time.GetUtcNow();
        var limits = await LimitsAsync(cancellationToken);
        var application = request.ApplicationId is null ? null
            : await db.Applications.AsNoTracking().SingleOrDefaultAsync(a => a.Id == request.ApplicationId, cancellationToken);
        if (application is null)
        {
            return new InvalidInput(FieldErrors.Of("applicationId", "Choose an existing application."));
        }
        if (!TraceConsent.IsValidNow(application, now))
        {
            return new Refused(StatusCodes.Status403Forbidden, "The application has not authorized message tracing, or its authorization has ended.",
                "Only an application whose owner turned message tracing authorization on, valid now, can be traced.");
        }
        var errors = new FieldErrors();
        var minutes = request.DurationMinutes ?? Math.Min(DefaultMinutes, limits.TraceMaxMinutes);
        if (minutes < 1 || minutes > limits.TraceMaxMinutes)
        {
            errors.Add("durationMinutes", $"Choose a duration of 1 to {limits.TraceMaxMinutes} minutes.");
        }
        var deviceIds = (request.DeviceIds ?? []).Where(d => !string.IsNullOrWhiteSpace(d)).Distinct(StringComparer.Ordinal).ToList();
        if (deviceIds.Count == 0)
        {
            errors.Add("deviceIds", "Choose at least one device.");
        }
        else if (deviceIds.Count > limits.TraceMaxDevicesPerOperator)
        {
            errors.Add("deviceIds", $"Trace at most {limits.TraceMaxDevicesPerOperator} devices at a time.");
        }
        else
        {
            var own = await db.Devices.Where(d => d.ApplicationId == application.Id && deviceIds.Contains(d.Id)).Select(d => d.Id).ToListAsync(cancellationToken);
            var foreign = deviceIds.Except(own).ToList();
            if (foreign.Count > 0)
            {
                errors.Add("deviceIds", $"Not devices of this application: {string.Join(", ", foreign)}.");
            }
            else
            {
                var tracing = await RunningDevicesOfAsync(actor.RequiredId, now, cancellationToken);
                if (tracing + deviceIds.Count > limits.TraceMaxDevicesPerOperator)
                {
                    errors.Add("deviceIds",
                        $"You already trace {tracing} devices; at most {limits.TraceMaxDevicesPerOperator} at a time. Stop a trace first.");
                }
            }
        }
        if (errors.Any)
        {
            return new InvalidInput(errors);
        }

        var session = new TraceSession
        {
            Id = RandomSecrets.TraceId(),
            ApplicationId = application.Id,
            OperatorUserId = actor.RequiredId,
            OperatorName = actor.Name,
            DeviceIds = deviceIds,
            StartedAt = now,
            EndsAt = now.AddMinutes(minutes),
        };
        db.TraceSessions.Add(session);
        audit.Record(db, actor, application.OwnerId, "trace.started", application.Id,
            $"Trace {session.Id} of devices {string.Join(", ", deviceIds)} for {minutes} minutes.");
        await platformMail.QueueAsync(db, application.Id, $"An operator started a trace on application {application.Name}",
            $"{actor.Name} started tracing devices {string.Join(", ", deviceIds)} of your application {application.Name} ({application.Id}) "
            + $"at {now:u}, until {session.EndsAt:u} at the latest, because the application authorizes message tracing.\n\n"
            + "The application's Traces tab lists every trace. Turn message tracing authorization off to stop it at once.", cancellationToken);
        await db.SaveChangesAsync(cancellationToken);
        await recorder.RefreshAsync(cancellationToken);
        return new View(session, application, 0);
    }

    public async Task<Outcome<View>> StopAsync(Actor actor, string traceId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(actor);
        var access = await AccessAsync(traceId, cancellationToken);
        if (!access.Succeeded)
        {
            return access.Failure!;
        }
        var (session, application, count) = access.Value!;
        if (State(session, application, time.GetUtcNow()) != TraceStates.Running)
        {
            return new Refused(StatusCodes.Status409Conflict, "The trace is not running.");
        }
        db.Attach(session);
        session.StoppedAt = time.GetUtcNow();
        session.StopReason = TraceStopReason.StoppedByOperator;
        audit.Record(db, actor, application.OwnerId, "trace.stopped", application.Id, $"Trace {session.Id} of devices {string.Join(", ", session.DeviceIds)}.");
        await db.SaveChangesAsync(cancellationToken);
        await recorder.RefreshAsync(cancellationToken);
        return new View(session, application, count);
    }

    /// <summary>A trace the operator may read now: 404 when there is none, 403 when its application's consent is gone.</summary>
    public async Task<Outcome<View>> AccessAsync(string traceId, CancellationToken cancellationToken)
    {
        var found = await db.TraceSessions.AsNoTracking()
            .Where(s => s.Id == traceId)
            .Join(db.Applications, s => s.ApplicationId, a => a.Id, (s, a) => new { Session = s, Application = a })
            .SingleOrDefaultAsync(cancellationToken);
        if (found is null)
        {
            return new Missing("Trace");
        }
        if (!TraceConsent.IsValidNow(found.Application, time.GetUtcNow()))
        {
            return Withdrawn;
        }
        var count = await db.TraceRecords.CountAsync(r => r.SessionId == traceId, cancellationToken);
        return new View(found.Session, found.Application, count);
    }

    public static Refused Withdrawn => new(StatusCodes.Status403Forbidden, TraceConsent.WithdrawnMessage,
        "Its traces can be read again only if its owner authorizes message tracing again.");

    /// <summary>The traces an operator may read: those of applications whose consent is valid now.</summary>
    public async Task<Paged<View>> ListAsync(string? applicationId, int? page, int? pageSize, CancellationToken cancellationToken)
    {
        var (number, size) = Paging.Normalize(page, pageSize);
        var readable = db.TraceSessions.AsNoTracking()
            .Join(db.Applications.Where(TraceConsent.ValidAt(time.GetUtcNow())), s => s.ApplicationId, a => a.Id, (s, a) => new { Session = s, Application = a });
        if (!string.IsNullOrEmpty(applicationId))
        {
            readable = readable.Where(x => x.Session.ApplicationId == applicationId);
        }
        var total = await readable.CountAsync(cancellationToken);
        var rows = await readable.OrderByDescending(x => x.Session.StartedAt).Skip((number - 1) * size).Take(size)
            .Select(x => new { x.Session, x.Application, Count = db.TraceRecords.Count(r => r.SessionId == x.Session.Id) })
            .ToListAsync(cancellationToken);
        return new Paged<View>(rows.Select(r => new View(r.Session, r.Application, r.Count)).ToList(), number, size, total);
    }

    /// <summary>Every trace ever started on an application, for its owner; null when the caller does not own it.</summary>
    public async Task<Paged<View>?> OwnerListAsync(Guid ownerId, string applicationId, int? page, int? pageSize, CancellationToken cancellationToken)
    {
        var application = await db.Applications.AsNoTracking().SingleOrDefaultAsync(a => a.Id == applicationId && a.OwnerId == ownerId, cancellationToken);
        if (application is null)
        {
            return null;
        }
        var (number, size) = Paging.Normalize(page, pageSize);
        var sessions = db.TraceSessions.AsNoTracking().Where(s => s.ApplicationId == applicationId);
        var total = await sessions.CountAsync(cancellationToken);
        var rows = await sessions.OrderByDescending(s => s.StartedAt).Skip((number - 1) * size).Take(size)
            .Select(s => new { Session = s, Count = db.TraceRecords.Count(r => r.SessionId == s.Id) })
            .ToListAsync(cancellationToken);
        return new Paged<View>(rows.Select(r => new View(r.Session, application, r.Count)).ToList(), number, size, total);
    }

    /// <summary>
    /// Stops the running traces of an application whose consent is no longer valid, in the caller's unit of work.
    /// Returns how many; the caller refreshes the recorder once the change is committed.
    /// </summary>
    public async Task<int> WithdrawAsync(Application application, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(application);
        if (TraceConsent.IsValidNow(application, now))
        {
            return 0;
        }
        var running = await db.TraceSessions.Where(s => s.ApplicationId == application.Id && s.StoppedAt == null && s.EndsAt > now).ToListAsync(cancellationToken);
        foreach (var session in running)
        {
            // A Custom validity that passed ended the trace when it passed, not when this noticed.
            session.StoppedAt = Min(now, TraceConsent.EndsAt(application.Tracing, application.TracingUntil));
            session.StopReason = TraceStopReason.AuthorizationWithdrawn;
        }
        return running.Count;
    }

    /// <summary>After an application's consent changed: the recorder and the live views see it at once.</summary>
    public Task ConsentChangedAsync(CancellationToken cancellationToken) => recorder.RefreshAsync(cancellationToken);

    public static string State(TraceSession session, Application application, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(application);
        return session.StopReason switch
        {
            TraceStopReason.StoppedByOperator => TraceStates.Stopped,
            TraceStopReason.AuthorizationWithdrawn => TraceStates.Withdrawn,
            // A Custom validity that ran out before the trace's end withdrew it, even before the worker wrote so.
            _ when TraceConsent.EndsAt(application.Tracing, application.TracingUntil) is var consentEnd
                && consentEnd < session.EndsAt && consentEnd <= now => TraceStates.Withdrawn,
            _ when session.EndsAt <= now => TraceStates.Ended,
            _ when !TraceConsent.IsValidNow(application, now) => TraceStates.Withdrawn,
            _ => TraceStates.Running,
        };
    }

    public TraceResponse ToResponse(View view)
    {
        ArgumentNullException.ThrowIfNull(view);
        var s = view.Session;
        return new TraceResponse(s.Id, s.ApplicationId, view.Application.Name, s.OperatorName, s.DeviceIds, s.StartedAt, s.EndsAt, s.StoppedAt,
            State(s, view.Application, time.GetUtcNow()), view.RecordCount);
    }

    private async Task<PlatformSettings> LimitsAsync(CancellationToken cancellationToken) =>
        await db.PlatformSettings.AsNoTracking().SingleOrDefaultAsync(cancellationToken) ?? new PlatformSettings();

    /// <summary>How many devices an operator traces now, across the running traces of applications still consenting.</summary>
    private async Task<int> RunningDevicesOfAsync(Guid operatorId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var running = await db.TraceSessions.AsNoTracking()
            .Where(s => s.OperatorUserId == operatorId && s.StoppedAt == null && s.EndsAt > now)
            .Join(db.Applications.Where(TraceConsent.ValidAt(now)), s => s.ApplicationId, a => a.Id, (s, a) => s.DeviceIds)
            .ToListAsync(cancellationToken);
        return running.Sum(d => d.Count);
    }

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;
}
