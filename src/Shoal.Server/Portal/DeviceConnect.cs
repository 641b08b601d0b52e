using System.Globalization;
using Shoal.Server.Applications;

namespace Shoal.Server.Portal;

/// <summary>
/// How to connect one device, in lines to copy: its MQTT client ID, user name, topics, and command lines filled in with
/// the application's device access addresses. The secret appears only while it is being shown once; otherwise the lines
/// hold a placeholder for it. The lines compute the password themselves (HMAC-SHA256 of the secret keyed by the
/// timestamp), with sign type 0 so that the timestamp they use is never refused for being old.
/// </summary>
internal sealed record DeviceConnect(
    string ClientId, string UserName, string ReportTopic, string DownlinkTopic, string Publish, string Subscribe, string? HttpsAuthenticate,
    string? HttpsReport, bool SecretShown)
{
    public const string SecretPlaceholder = "<device secret>";

    private const string SampleReport = """{"services":[{"service_id":"Sensor","properties":{"value":1}}]}""";

    public static DeviceConnect For(AccessAddresses addresses, string deviceId, string? secret, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(addresses);
        var mqtt = new Uri(addresses.Device);
        var tls = mqtt.Scheme == "mqtts";
        var port = mqtt.Port > 0 ? mqtt.Port : tls ? 8883 : 1883;
        var password = $"\"$(printf %s '{secret ?? SecretPlaceholder}' | openssl dgst -sha256 -hmac \"$TS\" | sed 's/.* //')\"";
        var connect = $"-h {mqtt.Host} -p {port.ToString(CultureInfo.InvariantCulture)}{(tls ? " --tls-use-os-certs" : "")} -V mqttv311 "
            + $"-i \"{deviceId}_0_0_$TS\" -u '{deviceId}' -P {password} -q 1";
        var prefix = $"$oc/devices/{deviceId}/";
        string? authenticate = null;
        string? report = null;
        if (addresses.DeviceHttps is { } https)
        {
            var root = https.TrimEnd('/');
            authenticate = $"TS=$(date -u +%Y%m%d%H); curl -X POST '{root}/v5/device-auth' -H 'content-type: application/json' "
                + $"-d '{{\"device_id\":\"{deviceId}\",\"sign_type\":0,\"timestamp\":\"'\"$TS\"'\",\"password\":\"'{password}'\"}}'";
            report = $"curl -X POST '{root}/v5/devices/{deviceId}/sys/properties/report' -H 'access_token: <access_token from the answer>' "
                + $"-H 'content-type: application/json' -d '{SampleReport}'";
        }
        return new DeviceConnect(
            $"{deviceId}_0_0_{now.UtcDateTime.ToString("yyyyMMddHH", CultureInfo.InvariantCulture)}",
            deviceId,
            prefix + "sys/properties/report",
            prefix + "sys/#",
            $"TS=$(date -u +%Y%m%d%H); mosquitto_pub {connect} -t '{prefix}sys/properties/report' -m '{SampleReport}'",
            $"TS=$(date -u +%Y%m%d%H); mosquitto_sub {connect} -v -t '{prefix}sys/#'",
            authenticate,
            report,
            secret is not null);
    }
}
