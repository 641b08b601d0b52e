using System.CommandLine;
using static Shoal.Cli.Commands.Symbols;

namespace Shoal.Cli.Commands;

/// <summary><c>subscriptions</c>: the application's own push subscriptions, through the management API's push routes.</summary>
internal static class SubscriptionCommands
{
    private static readonly (string, string)[] Columns =
    [
        ("subscription id", "id"), ("notify type", "notifyType"), ("callback url", "callbackUrl"), ("state", "state"),
        ("last success", "lastSuccessAt"), ("failures", "consecutiveFailures"), ("backlog", "backlog"),
    ];

    public static Command Build(CommandFactory cli)
    {
        var app = App();
        var type = Option<string>("--type", "The notify type, e.g. deviceDataChanged, deviceAdded, commandRsp, ruleEvent.", required: true);
        var url = Option<string>("--url", "The callback URL that receives the pushes.", required: true);
        var id = Argument("SUBSCRIPTION_ID", "The subscription ID.");
        return CommandFactory.Group("subscriptions", "The application's push subscriptions and their health.",
            cli.Command("list", "Lists the application's subscriptions with their health.", async (run, cancellationToken) =>
            {
                using var api = run.Api();
                run.Show((await api.GetAsync(Path(run.Value(app)), cancellationToken))!.Value.GetProperty("subscriptions"), Columns);
                return ExitCodes.Ok;
            }, app),
            cli.Command("create", "Subscribes a callback URL to a notify type.", async (run, cancellationToken) =>
            {
                using var api = run.Api();
                run.Show((await api.PostAsync(Path(run.Value(app), "subscriptions"),
                    new { notifyType = run.Value(type), callbackUrl = run.Value(url) }, cancellationToken))!.Value, Columns);
                return ExitCodes.Ok;
            }, app, type, url),
            cli.Command("delete", "Deletes a subscription.", async (run, cancellationToken) =>
            {
                using var api = run.Api();
                await api.DeleteAsync(Path(run.Value(app), $"subscriptions/{Uri.EscapeDataString(run.Value(id))}"), cancellationToken);
                run.Deleted(run.Value(id), $"subscription {run.Value(id)}");
                return ExitCodes.Ok;
            }, app, id),
            cli.Command("test", "Has Shoal send the subscription's receiver one signed sample push, and shows what it answered.", async (run, cancellationToken) =>
            {
                using var api = run.Api();
                var tested = (await api.PostAsync(Path(run.Value(app), $"subscriptions/{Uri.EscapeDataString(run.Value(id))}/test"), null, cancellationToken))!.Value;
                run.Show(tested, ("succeeded", "succeeded"), ("status", "status"), ("latency ms", "latencyMilliseconds"), ("error", "error"));
                return tested.GetProperty("succeeded").GetBoolean() ? ExitCodes.Ok : ExitCodes.Refused;
            }, app, id));
    }

    private static string Path(string app, string? rest = null) =>
        $"applications/{Uri.EscapeDataString(app)}/push" + (rest is null ? "" : $"/{rest}");
}
