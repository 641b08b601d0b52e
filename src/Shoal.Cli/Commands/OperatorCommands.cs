using System.CommandLine;
using System.Text.Json;
using static Shoal.Cli.Commands.Symbols;

namespace Shoal.Cli.Commands;

/// <summary>The operator's commands: users and quotas, freezing, the e-mail and SMS servers, and traces.</summary>
internal static class OperatorCommands
{
    private static readonly (string, string)[] TraceColumns =
    [
        ("trace id", "id"), ("application", "applicationName"), ("state", "state"), ("started", "startedAt"), ("ends", "endsAt"), ("records", "recordCount"),
    ];

    public static Command Users(CommandFactory cli)
    {
        var search = Option<string?>("--search", "Only users whose e-mail or name contains this.");
        return CommandFactory.Group("users", "Accounts on the server (operator).",
            cli.Command("list", "Lists the accounts.", async (run, cancellationToken) =>
            {
                using var api = run.Api();
                var path = "operator/users" + (run.Value(search) is { } text ? $"?search={Uri.EscapeDataString(text)}" : "");
                run.Show(JsonSerializer.SerializeToElement(await api.ListAllAsync(path, cancellationToken)),
                    ("id", "id"), ("email", "email"), ("name", "displayName"), ("applications", "applicationCount"), ("quota", "applicationQuota"), ("frozen", "frozen"));
                return ExitCodes.Ok;
            }, search));
    }

    public static Command Quota(CommandFactory cli)
    {
        var user = new Argument<Guid>("USER_ID") { Description = "The user's ID (see `shoal users list`)." };
        var quota = new Argument<int>("QUOTA") { Description = "How many applications the user may have." };
        return cli.Command("quota", "Sets how many applications a user may have (operator).", async (run, cancellationToken) =>
        {
            using var api = run.Api();
            run.Show((await api.PutAsync($"operator/users/{run.Value(user)}/quota", new { quota = run.Value(quota) }, cancellationToken))!.Value,
                ("id", "id"), ("email", "email"), ("quota", "applicationQuota"));
            return ExitCodes.Ok;
        }, user, quota);
    }

    public static Command Freeze(CommandFactory cli, bool frozen)
    {
        var verb = frozen ? "freeze" : "unfreeze";
        var kind = new Argument<string>("KIND") { Description = "user or app." };
        kind.AcceptOnlyFromAmong("user", "app");
        var id = Argument("ID", "The user's or the application's ID.");
        return cli.Command(verb, frozen
            ? "Freezes a user (no sign-in, their applications stop) or an application (operator)."
            : "Lifts a freeze (operator).", async (run, cancellationToken) =>
        {
            var target = run.Value(kind) == "user" ? "users" : "applications";
            using var api = run.Api();
            await api.PostAsync($"operator/{target}/{Uri.EscapeDataString(run.Value(id))}/{verb}", null, cancellationToken);
            if (run.Json)
            {
                run.WriteJson(new { kind = run.Value(kind), id = run.Value(id), frozen });
            }
            else
            {
                run.Say($"{(frozen ? "Froze" : "Unfroze")} {run.Value(kind)} {run.Value(id)}.");
            }
            return ExitCodes.Ok;
        }, kind, id);
    }

    public static Command Servers(CommandFactory cli)
    {
        var kind = new Argument<string>("KIND") { Description = "email or sms." };
        kind.AcceptOnlyFromAmong("email", "sms");
        var id = new Argument<Guid>("SERVER_ID") { Description = "The server's ID." };
        var to = Option<string>("--to", "The address or number the test goes to.", required: true);
        return CommandFactory.Group("servers", "The e-mail and SMS servers rules send through (operator).",
            cli.Command("list", "Lists the e-mail or SMS servers.", async (run, cancellationToken) =>
            {
                using var api = run.Api();
                run.Show((await api.GetAsync($"operator/{run.Value(kind)}-servers", cancellationToken))!.Value,
                    ("id", "id"), ("name", "name"), ("host", "host"), ("sender", "senderAddress"));
                return ExitCodes.Ok;
            }, kind),
            cli.Command("test", "Sends a test e-mail or SMS through a server.", async (run, cancellationToken) =>
            {
                using var api = run.Api();
                var answer = await api.PostAsync($"operator/{run.Value(kind)}-servers/{run.Value(id)}/test", new { to = run.Value(to) }, cancellationToken);
                if (run.Json)
                {
                    run.WriteJson(answer);
                }
                else
                {
                    run.Say($"Sent a test {run.Value(kind)} to {run.Value(to)}.");
                }
                return ExitCodes.Ok;
            }, kind, id, to));
    }

    public static Command Traces(CommandFactory cli)
    {
        var app = Option<string>("--app", "The application to trace (it must have authorized tracing).", required: true);
        var devices = Option<string[]>("--device", "A device to trace; repeat for several.");
        devices.AllowMultipleArgumentsPerToken = true;
        var minutes = Option<int?>("--minutes", "How long the trace runs.");
        var trace = Argument("TRACE_ID", "The trace ID.");
        return CommandFactory.Group("traces", "Message traces of authorized applications (operator).",
            cli.Command("list", "Lists the traces.", async (run, cancellationToken) =>
            {
                using var api = run.Api();
                run.Show(JsonSerializer.SerializeToElement(await api.ListAllAsync("operator/traces", cancellationToken)), TraceColumns);
                return ExitCodes.Ok;
            }),
            cli.Command("start", "Starts a trace of some of an application's devices.", async (run, cancellationToken) =>
            {
                using var api = run.Api();
                run.Show((await api.PostAsync("operator/traces",
                    new { applicationId = run.Value(app), deviceIds = run.Value(devices), durationMinutes = run.Value(minutes) }, cancellationToken))!.Value, TraceColumns);
                return ExitCodes.Ok;
            }, app, devices, minutes),
            cli.Command("show", "Shows one trace.", async (run, cancellationToken) =>
            {
                using var api = run.Api();
                run.Show((await api.GetAsync($"operator/traces/{Uri.EscapeDataString(run.Value(trace))}", cancellationToken))!.Value, TraceColumns);
                return ExitCodes.Ok;
            }, trace),
            cli.Command("stop", "Stops a running trace.", async (run, cancellationToken) =>
            {
                using var api = run.Api();
                await api.PostAsync($"operator/traces/{Uri.EscapeDataString(run.Value(trace))}/stop", null, cancellationToken);
                run.Show((await api.GetAsync($"operator/traces/{Uri.EscapeDataString(run.Value(trace))}", cancellationToken))!.Value, TraceColumns);
                return ExitCodes.Ok;
            }, trace));
    }
}
