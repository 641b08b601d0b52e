using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Shoal.Server.Audit;
using Shoal.Server.Common;
using Shoal.Server.Devices;
using Shoal.Storage.Entities;

namespace Shoal.Server.Portal.Applications;

/// <summary>The devices of an application that granted this one access, read-only, with each device's latest values.</summary>
internal sealed class GrantedDevicesModel(
    Server.Applications.Applications applications, Server.Grants.Grants grants, DeviceRegistry registry, DeviceData data) : PageModel
{
    public Application Application { get; private set; } = null!;

    public Application Grantor { get; private set; } = null!;

    [BindProperty(SupportsGet = true)]
    public string? Search { get; set; }

    public Paged<Device> Devices { get; private set; } = null!;

    public ILookup<string, DeviceServiceState> Latest { get; private set; } = null!;

    public async Task<IActionResult> OnGetAsync(string id, string grantorId, [FromQuery(Name = "page")] int? page, CancellationToken cancellationToken)
    {
        var owner = Actor.From(HttpContext).RequiredId;
        var application = await applications.FindAsync(owner, id, cancellationToken);
        var grantor = await grants.GrantorAsync(owner, id, grantorId, cancellationToken);
        if (application is null || !grantor.Succeeded)
        {
            return NotFound();
        }
        (Application, Grantor) = (application, grantor.Value!);
        var (number, size) = Paging.Normalize(page, null);
        var (devices, total) = await registry.ListAsync(grantorId, new DeviceQuery(number - 1, size, null, null, null, true, Search, DeviceSort.Name), cancellationToken);
        Devices = new Paged<Device>(devices, number, size, total);
        Latest = await data.LatestAsync([.. devices.Select(d => d.Id)], cancellationToken);
        return Page();
    }
}
