using Shoal.Storage.Entities;
using Shoal.Storage.Tracing;

namespace Shoal.Delivery;

/// <summary>What delivery tells a trace: each push attempt and each rule firing of a traced device, with a hint when it failed.</summary>
internal static class DeliveryTrace
{
    public static void PushAttempted(this TraceRecorder recorder, PushDelivery delivery, string url, PushResult result)
    {
        if (!recorder.TryGetPush(delivery.WebhookId, out var deviceId, out var serial))
        {
            return;
        }
        var subscription = delivery.SubscriptionId is { } id ? $"subscription {id}" : "the command's callback URL";
        var detail = $"{delivery.NotifyType} push to {subscription}, attempt {delivery.Attempts}: "
            + (result.Status is { } status ? $"answered {status}." : "no answer.");
        recorder.Record(deviceId, serial, TraceStep.Push, result.Succeeded, detail, result.Succeeded ? null : Failure(result, delivery.Attempts),
            new TraceExtra(Url: url, StatusCode: result.Status, LatencyMs: (int)result.Latency.TotalMilliseconds));
    }

    private static TraceFailure Failure(PushResult result, int attempts)
    {
        var times = attempts == 1 ? "" : $" for {attempts} attempts";
        return result.Status switch
        {
            >= 500 => new TraceFailure($"The callback answered {result.Status}{times}: the NA server is failing.",
                "Check the NA server's log and health; Shoal retries until the retry window ends."),
            410 => new TraceFailure("The callback answered 410 Gone: the subscription is disabled.", "The NA asked for no more pushes: subscribe again to resume."),
            >= 400 => new TraceFailure($"The callback answered {result.Status}{times}: the NA refused the push.",
                "Check the callback URL's path, and that the NA accepts the body and verifies the signature with the current signing secret."),
            { } other => new TraceFailure($"The callback answered {other}{times}.", "A push succeeds only with a 2xx answer: check the NA's handler."),
            null => new TraceFailure($"No answer{times}: {result.Error}",
                "Check that the NA is reachable from Shoal: host, port, firewall, and for HTTPS the certificate against the application's CA."),
        };
    }

    public static void RuleFired(this TraceRecorder recorder, DeviceEvent report, string ruleName, string property, string value)
    {
        if (recorder.IsTraced(report.DeviceId))
        {
            recorder.Record(report.DeviceId, recorder.SerialOf(report.Id), TraceStep.RuleFired, true, $"Rule '{ruleName}' fired on {property} = {value}.");
        }
    }
}
