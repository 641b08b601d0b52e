using System.Text.Json;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Shoal.Server.Audit;
using Shoal.Server.Devices;
using Shoal.Storage.Entities;

namespace Shoal.Server.Portal.Applications;

/// <summary>
/// Registers devices from a CSV file. The answer is streamed a row at a time (JSON lines) so the page shows progress;
/// the secrets in it go only to the browser, which builds the result file itself: the server keeps none.
/// </summary>
internal sealed class DeviceImportModel(Server.Applications.Applications applications, DeviceImport import) : PageModel
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public Application Application { get; private set; } = null!;

    public async Task<IActionResult> OnGetAsync(string id, CancellationToken cancellationToken)
    {
        if (await applications.FindAsync(Actor.From(HttpContext).RequiredId, id, cancellationToken) is not { } application)
        {
            return NotFound();
        }
        Application = application;
        return Page();
    }

    public async Task<IActionResult> OnPostAsync(string id, IFormFile? file, CancellationToken cancellationToken)
    {
        var actor = Actor.From(HttpContext);
        if (await applications.FindAsync(actor.RequiredId, id, cancellationToken) is null)
        {
            return NotFound();
        }
        if (file is null)
        {
            return Refusal(StatusCodes.Status400BadRequest, "Choose a CSV file.");
        }
        await using var stream = file.OpenReadStream();
        if (await DeviceImport.ReadAsync(stream, cancellationToken) is not { } csv)
        {
            return Refusal(StatusCodes.Status413PayloadTooLarge, $"The file is larger than {DeviceImport.MaxBytes / 1024 / 1024} MB; split it into smaller files.");
        }
        var parsed = DeviceImport.Parse(csv);
        if (!parsed.Succeeded)
        {
            var failure = parsed.Failure!;
            return Refusal(failure.Status, failure.Detail is null ? failure.Title : $"{failure.Title} {failure.Detail}");
        }
        var lines = parsed.Value!;
        Response.Headers.CacheControl = "no-store";
        Response.ContentType = "application/x-ndjson";
        await WriteLineAsync(new { total = lines.Count }, cancellationToken);
        await foreach (var row in import.RegisterAsync(id, lines, actor, cancellationToken))
        {
            await WriteLineAsync(row, cancellationToken);
        }
        return new EmptyResult();
    }

    private static ObjectResult Refusal(int status, string title) =>
        new(new ProblemDetails { Status = status, Title = title }) { StatusCode = status };

    private async Task WriteLineAsync<T>(T value, CancellationToken cancellationToken)
    {
        await JsonSerializer.SerializeAsync(Response.Body, value, Json, cancellationToken);
        await Response.Body.WriteAsync("\n"u8.ToArray(), cancellationToken);
        await Response.Body.FlushAsync(cancellationToken);
    }
}
