using System.Linq.Expressions;
using Shoal.Storage.Entities;

namespace Shoal.Storage.Tracing;

/// <summary>
/// The one rule of tracing consent: the application's message tracing authorization is Always, or Custom with an end
/// still ahead. Every start, read, export, live view and recording asks it here.
/// </summary>
public static class TraceConsent
{
    public static Expression<Func<Application, bool>> ValidAt(DateTimeOffset now) =>
        a => a.Tracing == TracingAuthorization.Always || (a.Tracing == TracingAuthorization.Custom && a.TracingUntil > now);

    public static bool IsValidNow(Application application, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(application);
        return IsValid(application.Tracing, application.TracingUntil, now);
    }

    public static bool IsValid(TracingAuthorization tracing, DateTimeOffset? until, DateTimeOffset now) =>
        tracing == TracingAuthorization.Always || (tracing == TracingAuthorization.Custom && until > now);

    /// <summary>When the consent ends by itself: the Custom end, or never.</summary>
    public static DateTimeOffset EndsAt(TracingAuthorization tracing, DateTimeOffset? until) =>
        tracing == TracingAuthorization.Custom && until is { } end ? end : DateTimeOffset.MaxValue;

    public const string WithdrawnMessage = "The application has withdrawn its message tracing authorization.";
}
