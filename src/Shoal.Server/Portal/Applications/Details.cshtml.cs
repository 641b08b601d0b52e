using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Shoal.Coap.Payloads;
using Shoal.Server.Applications;
using Shoal.Server.Audit;
using Shoal.Server.MessageServers;
using Shoal.Storage.Entities;

namespace Shoal.Server.Portal.Applications;

internal sealed class DetailsModel(Server.Applications.Applications applications, MessageServerRegistry registry, TimeProvider time) : PageModel
{
    public DateTimeOffset Now => time.GetUtcNow();

    public Application Application { get; private set; } = null!;

    public AccessAddresses Addresses => applications.Addresses;

    /// <summary>The application's CoAP codec, when it declares one.</summary>
    public PayloadCodec? Codec => Application.Codec is { } definition ? PayloadCodec.Parse(definition).Codec : null;

    public string? EmailServerName { get; private set; }

    public string? SmsServerName { get; private set; }

    /// <summary>Set only in the response to a successful reset: the new secret is never rendered again.</summary>
    public Credentials? Issued { get; private set; }

    [BindProperty]
    public int GraceMinutes { get; set; }

    [BindProperty]
    public string? ConfirmName { get; set; }

    [BindProperty(SupportsGet = true)]
    public bool Saved { get; set; }

    public static int MaxGraceMinutes => (int)Server.Applications.Applications.MaxSecretGrace.TotalMinutes;

    public async Task<IActionResult> OnGetAsync(string id, CancellationToken cancellationToken) =>
        await LoadAsync(id, cancellationToken) ? Page() : NotFound();

    public async Task<IActionResult> OnPostResetSecretAsync(string id, CancellationToken cancellationToken)
    {
        ModelState.ClearBindingErrors();
        var outcome = await applications.ResetSecretAsync(Actor.From(HttpContext), id, TimeSpan.FromMinutes(GraceMinutes), cancellationToken);
        if (outcome.Succeeded)
        {
            var (application, secret) = outcome.Value!;
            Response.Headers.CacheControl = "no-store";
            Issued = Credentials.ForApplication(
                "New secret issued",
                GraceMinutes > 0 && application.PreviousSecretValidUntil is { } until
                    ? $"The previous secret keeps working until {Display.Time(until)}; update your network application before then."
                    : "The previous secret and every token issued with it stopped working. Update your network application now.",
                application.Id, application.Name, secret, applications.Addresses);
        }
        else
        {
            outcome.Failure!.AddTo(ModelState);
            Response.StatusCode = outcome.Failure!.Status;
        }
        return await LoadAsync(id, cancellationToken) ? Page() : NotFound();
    }

    public async Task<IActionResult> OnPostDeleteAsync(string id, CancellationToken cancellationToken)
    {
        ModelState.ClearBindingErrors();
        var outcome = await applications.DeleteAsync(Actor.From(HttpContext), id, ConfirmName, cancellationToken);
        if (outcome.Succeeded)
        {
            return Redirect($"/applications?deleted={Uri.EscapeDataString(outcome.Value!.Name)}");
        }
        outcome.Failure!.AddTo(ModelState);
        Response.StatusCode = outcome.Failure!.Status;
        return await LoadAsync(id, cancellationToken) ? Page() : NotFound();
    }

    private async Task<bool> LoadAsync(string id, CancellationToken cancellationToken)
    {
        var application = await applications.FindAsync(Actor.From(HttpContext).RequiredId, id, cancellationToken);
        if (application is null)
        {
            return false;
        }
        Application = application;
        if (application.EmailServerId is { } emailServer)
        {
            EmailServerName = (await registry.EmailServersAsync(cancellationToken)).FirstOrDefault(s => s.Id == emailServer)?.Name;
        }
        if (application.SmsServerId is { } smsServer)
        {
            SmsServerName = (await registry.SmsServersAsync(cancellationToken)).FirstOrDefault(s => s.Id == smsServer)?.Name;
        }
        return true;
    }
}
