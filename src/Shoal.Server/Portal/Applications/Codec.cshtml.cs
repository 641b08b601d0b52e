using System.Globalization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Shoal.Coap.Payloads;
using Shoal.Server.Audit;
using Shoal.Server.Common;
using Shoal.Storage.Entities;

namespace Shoal.Server.Portal.Applications;

/// <summary>
/// The application's CoAP codec: the definition, saved only once it parses (every problem listed), and a payload tried
/// against the definition being written before it is saved.
/// </summary>
internal sealed class CodecModel(Server.Applications.Applications applications) : PageModel
{
    public Application Application { get; private set; } = null!;

    [BindProperty]
    public string? Definition { get; set; }

    /// <summary>A payload to try, in hex.</summary>
    [BindProperty]
    public string? Sample { get; set; }

    [BindProperty(SupportsGet = true)]
    public bool Saved { get; set; }

    [BindProperty(SupportsGet = true)]
    public bool Removed { get; set; }

    public IReadOnlyList<string> Errors { get; private set; } = [];

    public SampleReading? Reading { get; private set; }

    public async Task<IActionResult> OnGetAsync(string id, CancellationToken cancellationToken)
    {
        if (!await LoadAsync(id, cancellationToken))
        {
            return NotFound();
        }
        Definition = Application.Codec;
        return Page();
    }

    public async Task<IActionResult> OnPostAsync(string id, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(Definition))
        {
            Errors = ["Write a definition, or remove the codec."];
            return await RedisplayAsync(id, cancellationToken);
        }
        var outcome = await applications.SetCodecAsync(Actor.From(HttpContext), id, Definition, cancellationToken);
        if (outcome.Failure is Missing)
        {
            return NotFound();
        }
        if (outcome.Failure is InvalidInput invalid)
        {
            Errors = [.. invalid.Errors.SelectMany(e => e.Value)];
            return await RedisplayAsync(id, cancellationToken);
        }
        return outcome.Succeeded ? Redirect($"/applications/{id}/codec?saved=true") : NotFound();
    }

    public async Task<IActionResult> OnPostRemoveAsync(string id, CancellationToken cancellationToken)
    {
        var outcome = await applications.SetCodecAsync(Actor.From(HttpContext), id, null, cancellationToken);
        return outcome.Succeeded ? Redirect($"/applications/{id}/codec?removed=true") : NotFound();
    }

    /// <summary>Reads <see cref="Sample"/> as a device's report would be read with the definition on the page; saves nothing.</summary>
    public async Task<IActionResult> OnPostTryAsync(string id, CancellationToken cancellationToken)
    {
        if (!await LoadAsync(id, cancellationToken))
        {
            return NotFound();
        }
        PayloadCodec? codec = null;
        if (!string.IsNullOrWhiteSpace(Definition))
        {
            var parse = PayloadCodec.Parse(Definition);
            if (!parse.IsValid)
            {
                Errors = parse.Errors;
                return Page();
            }
            codec = parse.Codec;
        }
        var digits = string.Concat((Sample ?? "").Where(c => !char.IsWhiteSpace(c)));
        if (digits.Length == 0 || digits.Length % 2 != 0 || !digits.All(char.IsAsciiHexDigit) || digits.Length / 2 > PayloadCodec.MaxPayloadBytes)
        {
            ModelState.AddModelError("sample", $"Write the payload as hex digits, two per byte (for example 01 00 D7 55), at most {PayloadCodec.MaxPayloadBytes} bytes.");
            return Page();
        }
        var payload = Convert.FromHexString(digits);
        var byCodec = codec?.Decode(payload);
        Reading = SampleReading.Of(byCodec ?? DevicePayloads.Decode(null, payload), byCodec is not null);
        return Page();
    }

    private async Task<IActionResult> RedisplayAsync(string id, CancellationToken cancellationToken)
    {
        if (!await LoadAsync(id, cancellationToken))
        {
            return NotFound();
        }
        Response.StatusCode = StatusCodes.Status400BadRequest;
        return Page();
    }

    private async Task<bool> LoadAsync(string id, CancellationToken cancellationToken)
    {
        Application = (await applications.FindAsync(Actor.From(HttpContext).RequiredId, id, cancellationToken))!;
        return Application is not null;
    }
}

/// <summary>What a tried payload became, in the words the page shows.</summary>
internal sealed record SampleReading(string Summary, IReadOnlyList<string> Lines)
{
    public static SampleReading Of(UplinkPayload payload, bool byCodec) => payload switch
    {
        UplinkPayload.Properties properties => new(
            byCodec ? "Read by the codec as properties:" : "Read as the reference JSON's properties:",
            [.. properties.Services.Select(s => s.EventTime is { } at
                ? string.Create(CultureInfo.InvariantCulture, $"{s.ServiceId} {s.DataJson}, measured {at:yyyy-MM-dd HH:mm:ss} UTC")
                : $"{s.ServiceId} {s.DataJson}")]),
        UplinkPayload.CommandResponse response => new(
            byCodec ? "Read by the codec as a command response:" : "Read as the reference JSON's command response:",
            [string.Create(CultureInfo.InvariantCulture, $"to the command sent with mid {response.Mid}: result code {response.ResultCode}, body {response.BodyJson}")]),
        _ => new("Neither the codec nor the reference JSON reads it: it is stored as a message and pushed base64-encoded.", []),
    };
}
