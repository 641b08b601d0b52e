using System.Security.Claims;

namespace Shoal.Server.Audit;

/// <summary>Who did something and from where, as the audit log records it.</summary>
internal sealed record Actor(Guid? Id, string Name, string? Address, bool IsOperator = false)
{
    public static Actor From(HttpContext http)
    {
        ArgumentNullException.ThrowIfNull(http);
        var user = http.User;
        var id = Guid.TryParse(user.FindFirstValue(ClaimTypes.NameIdentifier), out var parsed) ? parsed : (Guid?)null;
        return new Actor(
            id,
            user.FindFirstValue(ClaimTypes.Email) ?? "anonymous",
            http.Connection.RemoteIpAddress?.ToString(),
            user.IsInRole(Roles.Operator));
    }

    public Guid RequiredId => Id ?? throw new InvalidOperationException("The actor is not signed in.");
}

internal static class Roles
{
    public const string Operator = "operator";
}
