using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Shoal.Server.Audit;
using Shoal.Server.Common;
using Shoal.Server.Devices;
using Shoal.Storage.Entities;

namespace Shoal.Server.Portal.Applications;

internal sealed class DevicesModel(Server.Applications.Applications applications, DeviceRegistry registry) : PageModel
{
    public Application Application { get; private set; } = null!;

    public Paged<Device> Devices { get; private set; } = null!;

    /// <summary>The status filter as the query spells it: all, inactive, online or offline.</summary>
    [BindProperty(SupportsGet = true, Name = "status")]
    public string? StatusFilter { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? Deleted { get; set; }

    /// <summary>A part of a name, node ID or device ID, in any case.</summary>
    [BindProperty(SupportsGet = true)]
    public string? Search { get; set; }

    /// <summary>The column the list is ordered by, as the query spells it (name, nodeId, status, lastSeen, created).</summary>
    [BindProperty(SupportsGet = true)]
    public string? Sort { get; set; }

    /// <summary>asc or desc; empty orders times newest first and the rest A to Z.</summary>
    [BindProperty(SupportsGet = true)]
    public string? Order { get; set; }

    [BindProperty]
    public DeviceInput Input { get; set; } = new();

    /// <summary>Set only in the response to a successful registration: the device secret is never rendered again.</summary>
    public Credentials? Issued { get; private set; }

    public DeviceStatus? Status => Enum.TryParse<DeviceStatus>(StatusFilter, ignoreCase: true, out var status) && Enum.IsDefined(status) ? status : null;

    public DeviceSort SortedBy { get; private set; }

    public bool Ascending { get; private set; }

    /// <summary>What every link of the list keeps: the filter, the search and the order.</summary>
    public IReadOnlyDictionary<string, string?> Keep => new Dictionary<string, string?>
    {
        ["status"] = Status?.ToString().ToLowerInvariant(),
        ["search"] = Search,
        ["sort"] = Sort is null ? null : SortedBy.Name(),
        ["order"] = Order is null ? null : Ascending ? "asc" : "desc",
    };

    /// <summary>The list's link with one query value changed (null removes it), back on the first page.</summary>
    public string With(string key, string? value)
    {
        var keep = new Dictionary<string, string?>(Keep) { [key] = value };
        return Pager.Query(keep, 1);
    }

    /// <summary>The link a column heading leads to: that column, in the other order when it is the one sorted by.</summary>
    public string SortLink(DeviceSort column)
    {
        var keep = new Dictionary<string, string?>(Keep)
        {
            ["sort"] = column.Name(),
            ["order"] = column == SortedBy ? (Ascending ? "desc" : "asc") : null,
        };
        return Pager.Query(keep, 1);
    }

    public async Task<IActionResult> OnGetAsync(string id, [FromQuery(Name = "page")] int? page, CancellationToken cancellationToken) =>
        await LoadAsync(id, page, cancellationToken) ? Page() : NotFound();

    public async Task<IActionResult> OnPostRegisterAsync(string id, CancellationToken cancellationToken)
    {
        ModelState.ClearBindingErrors();
        var actor = Actor.From(HttpContext);
        if (await applications.FindAsync(actor.RequiredId, id, cancellationToken) is null)
        {
            return NotFound();
        }
        var outcome = await registry.RegisterAsync(id, Input.ToRegistration(), actor, cancellationToken);
        if (outcome.Succeeded)
        {
            var (device, secret) = outcome.Value!;
            Response.Headers.CacheControl = "no-store";
            Issued = Credentials.ForDevice(
                "Device registered",
                $"“{device.Name ?? device.NodeId}” can connect now. It signs in with its device ID and the secret below.",
                id, device.Id, device.NodeId, secret, applications.Addresses);
            Input = new();
        }
        else
        {
            var failure = outcome.Failure!.OnFields();
            failure.AddTo(ModelState);
            Response.StatusCode = failure.Status;
        }
        return await LoadAsync(id, null, cancellationToken) ? Page() : NotFound();
    }

    private async Task<bool> LoadAsync(string id, int? page, CancellationToken cancellationToken)
    {
        var application = await applications.FindAsync(Actor.From(HttpContext).RequiredId, id, cancellationToken);
        if (application is null)
        {
            return false;
        }
        Application = application;
        if (!DeviceSorts.TryParse(Sort, Order, out var by, out var ascending))
        {
            (Sort, Order) = (null, null);
            DeviceSorts.TryParse(null, null, out by, out ascending);
        }
        (SortedBy, Ascending) = (by, ascending);
        var (number, size) = Paging.Normalize(page, null);
        var (devices, total) = await registry.ListAsync(id, new DeviceQuery(number - 1, size, Status, null, null, ascending, Search, by), cancellationToken);
        Devices = new Paged<Device>(devices, number, size, total);
        return true;
    }
}
