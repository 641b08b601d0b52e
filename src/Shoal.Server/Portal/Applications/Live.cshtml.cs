using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Shoal.Server.Audit;
using Shoal.Server.Devices;
using Shoal.Storage.Entities;

namespace Shoal.Server.Portal.Applications;

internal sealed class LiveModel(Server.Applications.Applications applications, DeviceRegistry registry) : PageModel
{
    /// <summary>The devices the filter offers by name; more are still shown live, and can be chosen on their own page.</summary>
    private const int ListedDevices = 500;

    public Application Application { get; private set; } = null!;

    public IReadOnlyList<Device> Devices { get; private set; } = [];

    public async Task<IActionResult> OnGetAsync(string id, CancellationToken cancellationToken)
    {
        var application = await applications.FindAsync(Actor.From(HttpContext).RequiredId, id, cancellationToken);
        if (application is null)
        {
            return NotFound();
        }
        Application = application;
        (Devices, _) = await registry.ListAsync(id, new DeviceQuery(0, ListedDevices, null, null, null, Ascending: true), cancellationToken);
        return Page();
    }
}
