using System.CommandLine;
using System.Net.Http.Headers;
using System.Text.Json;
using static Shoal.Cli.Commands.Symbols;

namespace Shoal.Cli.Commands;

/// <summary><c>rules</c>: an application's rules through the management API; a rule is written as the JSON that API reads.</summary>
internal static class RuleCommands
{
    private static readonly (string, string)[] Columns =
    [
        ("rule id", "ruleId"), ("name", "name"), ("status", "status"), ("last fired", "lastFiredTime"), ("failures", "failures"),
    ];

    public static Command Build(CommandFactory cli)
    {
        var app = App();
        var file = new Argument<FileInfo>("FILE") { Description = "The rule as JSON (docs/rules.md), or - for stdin." };
        var rule = Argument("RULE_ID", "The rule ID.");
        return CommandFactory.Group("rules", "An application's rules.",
            cli.Command("list", "Lists the application's rules.", async (run, cancellationToken) =>
            {
                using var api = run.Api();
                run.Show((await api.GetAsync($"applications/{Uri.EscapeDataString(run.Value(app))}/rules", cancellationToken))!.Value, Columns);
                return ExitCodes.Ok;
            }, app),
            cli.Command("create", "Creates a rule from a JSON file.", async (run, cancellationToken) =>
            {
                var source = run.Value(file);
                string json;
                if (source.Name == "-")
                {
                    json = await run.Console.In.ReadToEndAsync(cancellationToken);
                }
                else if (source.Exists)
                {
                    json = await File.ReadAllTextAsync(source.FullName, cancellationToken);
                }
                else
                {
                    throw new CliException(ExitCodes.Usage, $"There is no file {source.FullName}.");
                }
                try
                {
                    using var _ = JsonDocument.Parse(json);
                }
                catch (JsonException e)
                {
                    throw new CliException(ExitCodes.Usage, $"The rule is not JSON: {e.Message}");
                }
                using var api = run.Api();
                using var content = new StringContent(json);
                content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
                run.Show((await api.PostAsync($"applications/{Uri.EscapeDataString(run.Value(app))}/rules", content, cancellationToken))!.Value, Columns);
                return ExitCodes.Ok;
            }, app, file),
            Status(cli, "enable", "active", app, rule),
            Status(cli, "disable", "inactive", app, rule));
    }

    private static Command Status(CommandFactory cli, string name, string status, Option<string> app, Argument<string> rule) =>
        cli.Command(name, $"Makes a rule {status}.", async (run, cancellationToken) =>
        {
            using var api = run.Api();
            var path = $"applications/{Uri.EscapeDataString(run.Value(app))}/rules/{Uri.EscapeDataString(run.Value(rule))}";
            await api.PutAsync($"{path}/status", new { status }, cancellationToken);
            run.Show((await api.GetAsync(path, cancellationToken))!.Value, Columns);
            return ExitCodes.Ok;
        }, app, rule);
}
