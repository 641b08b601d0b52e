using System.CommandLine;
using System.Net.Http.Json;
using System.Text.Json;
using static Shoal.Cli.Commands.Symbols;

namespace Shoal.Cli.Commands;

/// <summary><c>subscriptions</c>: push subscriptions, which only the northbound API manages, with the application's own credentials.</summary>
internal static class SubscriptionCommands
{
    private static readonly (string, string)[] Columns =
    [
        ("subscription id", "subscriptionId"), ("notify type", "notifyType"), ("callback url", "callbackUrl"),
    ];

    public static Command Build(CommandFactory cli)
    {
        var app = App();
        var secret = CommandCommands.AppSecret();
        var type = Option<string>("--type", "The notify type, e.g. deviceDataChanged, deviceAdded, commandRsp, ruleEvent.", required: true);
        var url = Option<string>("--url", "The callback URL that receives the pushes.", required: true);
        var id = Argument("SUBSCRIPTION_ID", "The subscription ID.");
        return CommandFactory.Group("subscriptions", "Push subscriptions (northbound API, with the application's ID and secret).",
            cli.Command("list", "Lists the application's subscriptions.", async (run, cancellationToken) =>
            {
                using var na = await NorthboundApi.LoginAsync(run, run.Value(app), run.Value(secret), cancellationToken);
                run.Show(JsonSerializer.SerializeToElement(await ListAsync(na, cancellationToken)), Columns);
                return ExitCodes.Ok;
            }, app, secret),
            cli.Command("create", "Subscribes a callback URL to a notify type.", async (run, cancellationToken) =>
            {
                using var na = await NorthboundApi.LoginAsync(run, run.Value(app), run.Value(secret), cancellationToken);
                var created = (await na.SendAsync(HttpMethod.Post, "sub/v1.2.0/subscriptions",
                    new { notifyType = run.Value(type), callbackUrl = run.Value(url) }, cancellationToken))!.Value;
                run.Show(created, Columns);
                return ExitCodes.Ok;
            }, app, secret, type, url),
            cli.Command("delete", "Deletes a subscription.", async (run, cancellationToken) =>
            {
                using var na = await NorthboundApi.LoginAsync(run, run.Value(app), run.Value(secret), cancellationToken);
                await na.SendAsync(HttpMethod.Delete, $"sub/v1.2.0/subscriptions/{Uri.EscapeDataString(run.Value(id))}", null, cancellationToken);
                if (run.Json)
                {
                    run.WriteJson(new { id = run.Value(id), deleted = true });
                }
                else
                {
                    run.Say($"Deleted subscription {run.Value(id)}.");
                }
                return ExitCodes.Ok;
            }, app, secret, id),
            cli.Command("test", "Posts a sample push of the subscription's type to its callback URL, from this machine, and shows the answer.", async (run, cancellationToken) =>
            {
                using var na = await NorthboundApi.LoginAsync(run, run.Value(app), run.Value(secret), cancellationToken);
                var subscription = (await ListAsync(na, cancellationToken)).FirstOrDefault(s => s.String("subscriptionId") == run.Value(id));
                if (subscription.ValueKind == JsonValueKind.Undefined)
                {
                    throw new CliException(ExitCodes.Refused, $"There is no subscription {run.Value(id)} in application {run.Value(app)}.");
                }
                var callback = subscription.String("callbackUrl")!;
                var sample = new
                {
                    notifyType = subscription.String("notifyType"),
                    deviceId = "shoal-cli-test",
                    gatewayId = "shoal-cli-test",
                    service = new { serviceId = "Test", serviceType = "Test", data = new { test = true }, eventTime = DateTimeOffset.UtcNow.ToString("yyyyMMdd'T'HHmmss'Z'", System.Globalization.CultureInfo.InvariantCulture) },
                };
                using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
                int status;
                try
                {
                    using var response = await http.PostAsJsonAsync(callback, sample, cancellationToken);
                    status = (int)response.StatusCode;
                }
                catch (HttpRequestException e)
                {
                    throw new CliException(ExitCodes.Unavailable, $"The callback URL {callback} cannot be reached from here: {e.Message}");
                }
                if (run.Json)
                {
                    run.WriteJson(new { callbackUrl = callback, status });
                }
                else
                {
                    run.Say($"{callback} answered {status}.");
                }
                return status is >= 200 and < 300 ? ExitCodes.Ok : ExitCodes.Refused;
            }, app, secret, id));
    }

    private static async Task<List<JsonElement>> ListAsync(NorthboundApi na, CancellationToken cancellationToken)
    {
        var items = new List<JsonElement>();
        for (var page = 0; ; page++)
        {
            var answer = (await na.SendAsync(HttpMethod.Get, $"sub/v1.2.0/subscriptions?pageNo={page}&pageSize=100", null, cancellationToken))!.Value;
            var subscriptions = answer.GetProperty("subscriptions");
            items.AddRange(subscriptions.EnumerateArray());
            if (subscriptions.GetArrayLength() == 0 || items.Count >= answer.GetProperty("totalCount").GetInt32())
            {
                return items;
            }
        }
    }
}
