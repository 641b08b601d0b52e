using System.CommandLine;
using System.Text.Json;
using static Shoal.Cli.Commands.Symbols;

namespace Shoal.Cli.Commands;

/// <summary><c>apps</c>: the user's applications. A secret shown on creation or reset is kept in the profile for the northbound commands.</summary>
internal static class ApplicationCommands
{
    private static readonly (string, string)[] Columns =
    [
        ("id", "id"), ("name", "name"), ("industry", "industry"), ("frozen", "frozen"), ("created", "createdAt"),
    ];

    private static readonly (string, string)[] Details =
    [
        ("id", "id"), ("name", "name"), ("industry", "industry"), ("description", "description"), ("frozen", "frozen"),
        ("history days", "storageDays"), ("push", "pushService"), ("northbound address", "applicationAccessAddress"),
        ("device address", "deviceAccessAddress"), ("created", "createdAt"),
    ];

    public static Command Build(CommandFactory cli)
    {
        var name = Argument("NAME", "The new application's name: letters, digits, '-' and '_'.");
        var description = Option<string?>("--description", "What the application is for.");
        var industry = Option<string>("--industry", "smart-city, smart-home, industrial-manufacturing, energy-utilities, agriculture, healthcare, transport-logistics, retail or other (default).");
        industry.DefaultValueFactory = _ => "other";
        var acceptTerms = Option<bool>("--accept-terms", "Accept the platform's terms of use, which creating an application requires.");
        var id = Argument("APP", "The application ID.");
        var grace = Option<int>("--grace-minutes", "Minutes the old secret keeps working (default 0: it stops at once).");
        var yes = Option<bool>("--yes", "Confirm the deletion of the application with all its devices and data.");
        return CommandFactory.Group("apps", "Your applications.",
            cli.Command("list", "Lists your applications.", async (run, cancellationToken) =>
            {
                using var api = run.Api();
                run.Show(JsonSerializer.SerializeToElement(await api.ListAllAsync("applications", cancellationToken)), Columns);
                return ExitCodes.Ok;
            }),
            cli.Command("create", "Creates an application and shows its ID and secret (once).", async (run, cancellationToken) =>
            {
                using var api = run.Api();
                var created = (await api.PostAsync("applications", new
                {
                    name = run.Value(name), industry = run.Value(industry), description = run.Value(description), acceptTerms = run.Value(acceptTerms),
                }, cancellationToken))!.Value;
                return ShowCredentials(run, created);
            }, name, industry, description, acceptTerms),
            cli.Command("show", "Shows one application.", async (run, cancellationToken) =>
            {
                using var api = run.Api();
                run.Show((await api.GetAsync($"applications/{Uri.EscapeDataString(run.Value(id))}", cancellationToken))!.Value, Details);
                return ExitCodes.Ok;
            }, id),
            cli.Command("reset-secret", "Issues a new application secret and shows it (once).", async (run, cancellationToken) =>
            {
                using var api = run.Api();
                var issued = (await api.PostAsync($"applications/{Uri.EscapeDataString(run.Value(id))}/secret",
                    new { graceMinutes = run.Value(grace) }, cancellationToken))!.Value;
                return ShowCredentials(run, issued);
            }, id, grace),
            cli.Command("delete", "Deletes an application with its devices and data.", async (run, cancellationToken) =>
            {
                if (!run.Value(yes))
                {
                    throw new CliException(ExitCodes.Usage, "Deleting an application deletes its devices and data: add --yes to confirm.");
                }
                using var api = run.Api();
                var path = $"applications/{Uri.EscapeDataString(run.Value(id))}";
                var application = (await api.GetAsync(path, cancellationToken))!.Value;
                var appName = application.String("name")!;
                await api.DeleteAsync($"{path}?confirmName={Uri.EscapeDataString(appName)}", cancellationToken);
                run.Profile.Secrets.Remove(run.Value(id));
                run.Profile.NorthboundTokens.Remove(run.Value(id));
                run.SaveProfiles();
                run.Deleted(run.Value(id), $"application {appName} ({run.Value(id)})");
                return ExitCodes.Ok;
            }, id, yes));
    }

    private static int ShowCredentials(Invocation run, JsonElement credentials)
    {
        var applicationId = credentials.String("applicationId")!;
        run.Profile.Secrets[applicationId] = credentials.String("secret")!;
        run.Profile.NorthboundTokens.Remove(applicationId);
        run.SaveProfiles();
        run.Show(credentials,
            ("application id", "applicationId"), ("name", "application.name"), ("secret", "secret"),
            ("northbound address", "applicationAccessAddress"), ("device address", "deviceAccessAddress"));
        if (!run.Json)
        {
            run.Note("The secret is shown only now; it is also kept in your profile for the northbound commands.");
        }
        return ExitCodes.Ok;
    }
}
