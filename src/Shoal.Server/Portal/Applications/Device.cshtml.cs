using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Shoal.Server.Audit;
using Shoal.Server.Devices;
using Shoal.Storage.Entities;

namespace Shoal.Server.Portal.Applications;

internal sealed class DeviceModel(Server.Applications.Applications applications, DeviceRegistry registry) : PageModel
{
    public Application Application { get; private set; } = null!;

    public Device Device { get; private set; } = null!;

    [BindProperty]
    public DeviceInput Input { get; set; } = new();

    /// <summary>A psk of the user's choosing for a secret reset; empty lets Shoal generate one.</summary>
    [BindProperty]
    public string? Psk { get; set; }

    [BindProperty(SupportsGet = true)]
    public bool Saved { get; set; }

    /// <summary>Set only in the response to a successful reset: the new secret is never rendered again.</summary>
    public Credentials? Issued { get; private set; }

    /// <summary>Which form the model state errors belong to, so that form is the one shown open.</summary>
    public string? Failed { get; private set; }

    public async Task<IActionResult> OnGetAsync(string id, string deviceId, CancellationToken cancellationToken)
    {
        if (!await LoadAsync(id, deviceId, cancellationToken))
        {
            return NotFound();
        }
        Input = DeviceInput.From(Device);
        return Page();
    }

    public async Task<IActionResult> OnPostEditAsync(string id, string deviceId, CancellationToken cancellationToken)
    {
        ModelState.ClearBindingErrors();
        if (!await LoadAsync(id, deviceId, cancellationToken))
        {
            return NotFound();
        }
        var outcome = await registry.ModifyAsync(id, deviceId, Input.ToChange(Device), Actor.From(HttpContext), cancellationToken);
        if (outcome.Succeeded)
        {
            return Redirect($"/applications/{id}/devices/{deviceId}?saved=true");
        }
        return Fail(outcome.Failure!, "edit");
    }

    public async Task<IActionResult> OnPostResetSecretAsync(string id, string deviceId, CancellationToken cancellationToken)
    {
        ModelState.ClearBindingErrors();
        if (!await LoadAsync(id, deviceId, cancellationToken))
        {
            return NotFound();
        }
        var outcome = await registry.ResetSecretAsync(id, deviceId, Psk, Actor.From(HttpContext), cancellationToken);
        Input = DeviceInput.From(Device);
        if (!outcome.Succeeded)
        {
            return Fail(outcome.Failure!, "reset");
        }
        var (device, secret) = outcome.Value!;
        Device = device;
        Psk = null;
        Response.Headers.CacheControl = "no-store";
        Issued = Credentials.ForDevice(
            "New device secret issued",
            "The previous secret stopped working. The device must use the new secret the next time it connects.",
            id, device.Id, device.NodeId, secret, applications.DeviceAccessAddress);
        return Page();
    }

    public async Task<IActionResult> OnPostDeleteAsync(string id, string deviceId, CancellationToken cancellationToken)
    {
        if (!await LoadAsync(id, deviceId, cancellationToken))
        {
            return NotFound();
        }
        var outcome = await registry.DeleteAsync(id, deviceId, Actor.From(HttpContext), cancellationToken);
        if (!outcome.Succeeded)
        {
            return NotFound();
        }
        var deleted = outcome.Value!;
        return Redirect($"/applications/{id}/devices?deleted={Uri.EscapeDataString(deleted.Name is { Length: > 0 } name ? name : deleted.NodeId)}");
    }

    private PageResult Fail(Server.Common.Failure failure, string form)
    {
        failure.AddTo(ModelState);
        Response.StatusCode = failure.Status;
        Failed = form;
        return Page();
    }

    private async Task<bool> LoadAsync(string id, string deviceId, CancellationToken cancellationToken)
    {
        var application = await applications.FindAsync(Actor.From(HttpContext).RequiredId, id, cancellationToken);
        var device = application is null ? null : await registry.FindAsync(id, deviceId, cancellationToken);
        if (device is null)
        {
            return false;
        }
        Application = application!;
        Device = device;
        return true;
    }
}
