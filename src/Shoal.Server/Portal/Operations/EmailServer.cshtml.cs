using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Shoal.Server.Audit;
using Shoal.Server.Common;
using Shoal.Server.MessageServers;
using Shoal.Storage.Entities;

namespace Shoal.Server.Portal.Operations;

/// <summary>Adds an e-mail server (<c>/operations/email-servers/new</c>) or edits one; the stored password is never shown.</summary>
internal sealed class EmailServerModel(MessageServerRegistry registry) : PageModel
{
    public const string NewId = "new";

    public EmailServer? Existing { get; private set; }

    [BindProperty]
    public string? Name { get; set; }

    [BindProperty]
    public string? Host { get; set; }

    [BindProperty]
    public int Port { get; set; } = 587;

    [BindProperty]
    public SmtpTlsMode TlsMode { get; set; } = SmtpTlsMode.StartTls;

    [BindProperty]
    public string? UserName { get; set; }

    /// <summary>Empty keeps the stored password; <see cref="ClearPassword"/> removes it.</summary>
    [BindProperty]
    public string? Password { get; set; }

    [BindProperty]
    public bool ClearPassword { get; set; }

    [BindProperty]
    public string? SenderAddress { get; set; }

    public async Task<IActionResult> OnGetAsync(string id, CancellationToken cancellationToken)
    {
        if (!await FindAsync(id, cancellationToken))
        {
            return NotFound();
        }
        if (Existing is { } server)
        {
            (Name, Host, Port, TlsMode, UserName, SenderAddress) = (server.Name, server.Host, server.Port, server.TlsMode, server.UserName, server.SenderAddress);
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
        var password = ClearPassword ? "" : string.IsNullOrEmpty(Password) ? null : Password;
        var outcome = await registry.SaveEmailServerAsync(
            Actor.From(HttpContext), Existing?.Id, new EmailServerRequest(Name, Host, Port, TlsMode, UserName, password, SenderAddress), cancellationToken);
        if (outcome.Succeeded)
        {
            return Redirect("/operations/email-servers");
        }
        if (outcome.Failure is Missing)
        {
            return NotFound();
        }
        outcome.Failure!.AddTo(ModelState);
        Response.StatusCode = outcome.Failure!.Status;
        Password = null;
        return Page();
    }

    private async Task<bool> FindAsync(string id, CancellationToken cancellationToken)
    {
        if (id == NewId)
        {
            return true;
        }
        Existing = Guid.TryParse(id, out var guid)
            ? (await registry.EmailServersAsync(cancellationToken)).FirstOrDefault(s => s.Id == guid)
            : null;
        return Existing is not null;
    }
}
