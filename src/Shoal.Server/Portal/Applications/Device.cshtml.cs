using System.Text.Json;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Shoal.Server.Audit;
using Shoal.Server.Commands;
using Shoal.Server.Common;
using Shoal.Server.Devices;
using Shoal.Gateway;
using Shoal.Storage;
using Shoal.Storage.Entities;

namespace Shoal.Server.Portal.Applications;

internal sealed class DeviceModel(
    Server.Applications.Applications applications, DeviceRegistry registry, DeviceData data, DeviceCommands commands, DeviceRequests requests,
    ShoalDb db, TimeProvider time)
    : PageModel
{
    private const int CommandsPageSize = 10;
    private const int MessagesPageSize = 10;
    private static readonly DeviceEventType[] SentTypes = [DeviceEventType.MessageUp, DeviceEventType.EventReported];

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

    /// <summary>How to connect the device, with a placeholder for its secret.</summary>
    public DeviceConnect Connect => DeviceConnect.For(applications.Addresses, Device.Id, null, time.GetUtcNow());

    /// <summary>Which form the model state errors belong to, so that form is the one shown open.</summary>
    public string? Failed { get; private set; }

    [BindProperty(SupportsGet = true)]
    public HistoryRange Range { get; set; } = HistoryRange.Day;

    /// <summary>Start of a custom range, in UTC.</summary>
    [BindProperty(SupportsGet = true)]
    public DateTime? From { get; set; }

    /// <summary>End of a custom range, in UTC; empty means now.</summary>
    [BindProperty(SupportsGet = true)]
    public DateTime? To { get; set; }

    public IReadOnlyList<DeviceServiceState> Latest { get; private set; } = [];

    /// <summary>The command form's values, echoed back when they are refused.</summary>
    public NewCommandInput Command { get; private set; } = new(null, null, "{}");

    /// <summary>The device's commands, newest first.</summary>
    public Paged<DeviceCommand> Commands { get; private set; } = null!;

    /// <summary>The services and command names already sent to the device, offered in the command form.</summary>
    public (IReadOnlyList<string> Services, IReadOnlyList<string> Methods) CommandChoices { get; private set; } = ([], []);

    [BindProperty(SupportsGet = true, Name = "page")]
    public int? CommandsPage { get; set; }

    /// <summary>The request forms' values, echoed back with the device's answer or why there was none.</summary>
    public DeviceRequestInput Asked { get; private set; } = new(null, "{}", null, "{}");

    /// <summary>The device's answer to a properties request, as it sent it.</summary>
    public string? Answer { get; private set; }

    public bool MessageSent { get; private set; }

    /// <summary>Messages and events the device sent, newest first.</summary>
    public IReadOnlyList<DeviceEvent> Sent { get; private set; } = [];

    /// <summary>Where the page of <see cref="Sent"/> starts: older than this event; null for the newest.</summary>
    [BindProperty(SupportsGet = true, Name = "before")]
    public long? SentBefore { get; set; }

    /// <summary>The event ID that asks for the next older page of <see cref="Sent"/>; null on the last one.</summary>
    public long? OlderSent { get; private set; }

    /// <summary>False when a custom range lacks its start or ends before it: then nothing is charted.</summary>
    public bool RangeIsValid { get; private set; }

    public DateTimeOffset RangeStart { get; private set; }

    public DateTimeOffset RangeEnd { get; private set; }

    /// <summary>How many reports the range holds.</summary>
    public int Reports { get; private set; }

    public IReadOnlyList<ChartSeries> Charts { get; private set; } = [];

    /// <summary>The management API's history routes of this device, which the chart script and the export link use.</summary>
    public string HistoryRoute => $"/api/v1/applications/{Application.Id}/devices/{Device.Id}/history";

    /// <summary>The range as the history routes take it.</summary>
    public string RangeQuery => $"from={Uri.EscapeDataString(Display.Iso(RangeStart))}&to={Uri.EscapeDataString(Display.Iso(RangeEnd))}";

    /// <summary>What the chart script draws, as JSON: the range (Unix seconds and as the aggregate route takes it) and each series.</summary>
    public string ChartData => JsonSerializer.Serialize(new
    {
        from = RangeStart.ToUnixTimeSeconds(),
        to = RangeEnd.ToUnixTimeSeconds(),
        aggregate = $"{HistoryRoute}/aggregate?{RangeQuery}",
        series = Charts.Select(c => new { key = c.Key, serviceId = c.ServiceId, property = c.Property }),
    });

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
            id, device.Id, device.NodeId, secret, applications.Addresses, time);
        return Page();
    }

    public async Task<IActionResult> OnPostCommandAsync(
        string id, string deviceId, [FromForm] string? serviceId, [FromForm] string? method, [FromForm] string? paras, CancellationToken cancellationToken)
    {
        ModelState.ClearBindingErrors();
        if (!await LoadAsync(id, deviceId, cancellationToken))
        {
            return NotFound();
        }
        Input = DeviceInput.From(Device);
        Command = new NewCommandInput(serviceId, method, paras);
        JsonElement parsed;
        try
        {
            parsed = JsonSerializer.Deserialize<JsonElement>(string.IsNullOrWhiteSpace(paras) ? "{}" : paras);
        }
        catch (JsonException)
        {
            return Fail(new InvalidInput(FieldErrors.Of("command.paras", "The parameters are not valid JSON.")), "command");
        }
        var outcome = await commands.CreateAsync(id, deviceId, new NewCommand(serviceId, method, parsed, null, null, null), cancellationToken);
        if (!outcome.Succeeded)
        {
            return Fail(outcome.Failure!, "command");
        }
        return Redirect($"/applications/{id}/devices/{deviceId}?sent={outcome.Value!.Id}#commands");
    }

    public Task<IActionResult> OnPostSetPropertiesAsync(
        string id, string deviceId, [FromForm] string? serviceId, [FromForm] string? properties, CancellationToken cancellationToken)
    {
        Asked = Asked with { ServiceId = serviceId, Properties = properties };
        return AskAsync(id, deviceId, () =>
        {
            var errors = new FieldErrors();
            if (serviceId is not { Length: > 0 and <= 64 })
            {
                errors.Add("request.serviceId", "Give the service (1–64 characters).");
            }
            if (ParseObject(properties) is not { } parsed)
            {
                errors.Add("request.properties", "The properties are not a JSON object.");
                return (errors, null);
            }
            return (errors, token => requests.SetPropertiesAsync(deviceId, [(serviceId!, parsed)], token));
        }, cancellationToken);
    }

    public Task<IActionResult> OnPostGetPropertiesAsync(string id, string deviceId, [FromForm] string? serviceId, CancellationToken cancellationToken)
    {
        Asked = Asked with { GetServiceId = serviceId };
        return AskAsync(id, deviceId, () => (new FieldErrors(),
            token => requests.GetPropertiesAsync(deviceId, string.IsNullOrWhiteSpace(serviceId) ? null : serviceId, token)), cancellationToken);
    }

    public Task<IActionResult> OnPostMessageAsync(string id, string deviceId, [FromForm] string? message, CancellationToken cancellationToken)
    {
        Asked = Asked with { Message = message };
        return AskAsync(id, deviceId, () =>
        {
            var errors = new FieldErrors();
            if (ParseJson(message) is not { } parsed)
            {
                errors.Add("request.message", "The message is not valid JSON.");
                return (errors, null);
            }
            return (errors, token => requests.SendMessageAsync(deviceId, parsed, null, token));
        }, cancellationToken);
    }

    /// <summary>
    /// Checks a request form, sends what it asks to the device through the same service the management API uses, and
    /// shows the device's answer, or why there was none beside the form.
    /// </summary>
    private async Task<IActionResult> AskAsync(
        string id, string deviceId, Func<(FieldErrors Errors, Func<CancellationToken, Task<DeviceReply>>? Send)> check, CancellationToken cancellationToken)
    {
        ModelState.ClearBindingErrors();
        if (!await LoadAsync(id, deviceId, cancellationToken))
        {
            return NotFound();
        }
        Input = DeviceInput.From(Device);
        var (errors, send) = check();
        if (errors.Any || send is null)
        {
            return Fail(new InvalidInput(errors), "request");
        }
        var reply = await send(cancellationToken);
        if (reply.Status != DeviceReplyStatus.Answered)
        {
            var refused = DeviceRequestEndpoints.Unanswered(reply);
            ModelState.AddModelError("request.answer", refused.Message());
            Response.StatusCode = refused.Status;
            Failed = "request";
            return Page();
        }
        MessageSent = reply.Json is null;
        Answer = reply.Json;
        return Page();
    }

    private static JsonElement? ParseJson(string? text)
    {
        try
        {
            return string.IsNullOrWhiteSpace(text) ? null : JsonSerializer.Deserialize<JsonElement>(text);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static JsonElement? ParseObject(string? text) => ParseJson(text) is { ValueKind: JsonValueKind.Object } parsed ? parsed : null;

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

    private PageResult Fail(Failure failure, string form)
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
        Latest = await data.LatestAsync(deviceId, cancellationToken);
        var (page, size) = Paging.Normalize(CommandsPage, CommandsPageSize);
        var (sent, total) = await commands.ListAsync(id, new CommandQuery(deviceId, null, null, page - 1, size), cancellationToken);
        Commands = new Paged<DeviceCommand>(sent, page, size, total);
        CommandChoices = await commands.ChoicesAsync(id, deviceId, cancellationToken);
        (Sent, OlderSent) = await DeviceMessages.PageAsync(db, id, deviceId, SentTypes, SentBefore, MessagesPageSize, cancellationToken);
        await LoadHistoryAsync(cancellationToken);
        return true;
    }

    private async Task LoadHistoryAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        (RangeStart, RangeEnd) = Range switch
        {
            HistoryRange.Hour => (now.AddHours(-1), now),
            HistoryRange.Week => (now.AddDays(-7), now),
            HistoryRange.Custom => (AsUtc(From) ?? now, AsUtc(To) ?? now),
            _ => (now.AddDays(-1), now),
        };
        if (Range == HistoryRange.Custom && From is null)
        {
            ModelState.AddModelError("from", "Choose the start of the range.");
            return;
        }
        if (RangeStart >= RangeEnd)
        {
            ModelState.AddModelError("to", "The end of the range must be after its start.");
            return;
        }
        RangeIsValid = true;
        // The charts read their points from the aggregate route, sized to their width; the page only counts.
        (_, Reports) = await data.HistoryRowsAsync(Application.Id, new HistoryQuery(Device.Id, null, null, RangeStart, RangeEnd, 0, 1), cancellationToken);
        Charts = Reports == 0 ? [] : DeviceCharts.Series(Latest);
    }

    private static DateTimeOffset? AsUtc(DateTime? local) => local is { } value ? new DateTimeOffset(DateTime.SpecifyKind(value, DateTimeKind.Utc)) : null;
}

/// <summary>The forms that reach the connected device, as the owner filled them in.</summary>
internal sealed record DeviceRequestInput(string? ServiceId, string? Properties, string? GetServiceId, string? Message);

/// <summary>The command form as the owner filled it in.</summary>
internal sealed record NewCommandInput(string? ServiceId, string? Method, string? Paras);
