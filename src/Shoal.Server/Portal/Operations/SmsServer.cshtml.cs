using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Shoal.Server.Audit;
using Shoal.Server.Common;
using Shoal.Server.MessageServers;
using Shoal.Storage.Entities;

namespace Shoal.Server.Portal.Operations;

/// <summary>Adds an SMS gateway (<c>/operations/sms-servers/new</c>) or edits one; header values are never shown back, only their names.</summary>
internal sealed class SmsServerModel(MessageServerRegistry registry) : PageModel
{
    public SmsServer? Existing { get; private set; }

    public IReadOnlyList<string> StoredHeaderNames => Existing is null ? [] : MessageServerMapping.SplitNames(Existing.HeaderNames);

    [BindProperty]
    public string? Name { get; set; }

    [BindProperty]
    public string? Method { get; set; } = "POST";

    [BindProperty]
    public string? UrlTemplate { get; set; }

    /// <summary>"Name: value" lines. Empty keeps the stored headers; <see cref="ClearHeaders"/> removes them.</summary>
    [BindProperty]
    public string? Headers { get; set; }

    [BindProperty]
    public bool ClearHeaders { get; set; }

    [BindProperty]
    public string? BodyTemplate { get; set; }

    public async Task<IActionResult> OnGetAsync(string id, CancellationToken cancellationToken)
    {
        if (!await FindAsync(id, cancellationToken))
        {
            return NotFound();
        }
        if (Existing is { } server)
        {
            (Name, Method, UrlTemplate, BodyTemplate) = (server.Name, server.Method, server.UrlTemplate, server.BodyTemplate);
        }
        return Page();
    }

    public async Task<IActionResult> OnPostAsync(string id, CancellationToken cancellationToken)
    {
        ModelState.ClearBindingErrors();
        if (!await FindAsync(id, cancellationToken))
        {
            return NotFound();
        }
        var (headers, unreadable) = ParseHeaders(Headers);
        if (unreadable is not null)
        {
            new InvalidInput(FieldErrors.Of("headers", $"Write each header as 'Name: value' on its own line; '{unreadable}' has no colon.")).AddTo(ModelState);
            Response.StatusCode = StatusCodes.Status400BadRequest;
            return Page();
        }
        var outcome = await registry.SaveSmsServerAsync(
            Actor.From(HttpContext), Existing?.Id,
            new SmsServerRequest(Name, Method, UrlTemplate, ClearHeaders ? new Dictionary<string, string>() : headers, BodyTemplate),
            cancellationToken);
        if (outcome.Succeeded)
        {
            return Redirect("/operations/sms-servers");
        }
        if (outcome.Failure is Missing)
        {
            return NotFound();
        }
        outcome.Failure!.AddTo(ModelState);
        Response.StatusCode = outcome.Failure!.Status;
        return Page();
    }

    /// <summary>Null headers when the box is empty, so the stored ones are kept; otherwise every line, or the first line without a colon.</summary>
    private static (Dictionary<string, string>? Headers, string? Unreadable) ParseHeaders(string? text)
    {
        var lines = (text ?? "").Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (lines.Length == 0)
        {
            return (null, null);
        }
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var line in lines)
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0)
            {
                return (null, line.Length > 40 ? line[..40] + "…" : line);
            }
            headers[line[..colon].Trim()] = line[(colon + 1)..].Trim();
        }
        return (headers, null);
    }

    private async Task<bool> FindAsync(string id, CancellationToken cancellationToken)
    {
        if (id == EmailServerModel.NewId)
        {
            return true;
        }
        Existing = Guid.TryParse(id, out var guid)
            ? (await registry.SmsServersAsync(cancellationToken)).FirstOrDefault(s => s.Id == guid)
            : null;
        return Existing is not null;
    }
}
