using System.Text;
using System.Text.Json;

namespace Shoal.Server.Tests.Infrastructure;

/// <summary>Bodies for walks over every route: each one the route would accept from the object's owner, so a refusal can only come from who asks.</summary>
public static class RouteBodies
{
    private static readonly byte[] Png = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13];
    private static readonly string[] PhoneNumbers = ["+4915112345678"];

    public static HttpContent? For(string pattern) => pattern.TrimEnd('/') switch
    {
        _ when pattern.EndsWith("/icon", StringComparison.Ordinal) => new ByteArrayContent(Png),
        _ when pattern.EndsWith("/codec", StringComparison.Ordinal) => new StringContent(
            """{"responses":[{"messageId":3,"fields":[{"name":"state","offset":4,"type":"uint8"}]}]}""", Encoding.UTF8, "application/json"),
        _ when pattern.EndsWith("/quota", StringComparison.Ordinal) => Json(new { quota = 50 }),
        _ when pattern.EndsWith("/devices/{deviceId}/secret", StringComparison.Ordinal) => Json(new { psk = "0123456789abcdef" }),
        _ when pattern.EndsWith("/secret", StringComparison.Ordinal) => Json(new { graceMinutes = 0 }),
        _ when pattern.EndsWith("/settings", StringComparison.Ordinal) => Json(new { historyMaxDays = 30 }),
        _ when pattern.EndsWith("/test", StringComparison.Ordinal) => Json(new { to = "someone@example.com" }),
        _ when pattern.Contains("email-servers", StringComparison.Ordinal) => Json(new
        {
            name = "intruder-smtp", host = "smtp.example.com", port = 587, tlsMode = "StartTls", senderAddress = "iot@example.com",
        }),
        _ when pattern.Contains("sms-servers", StringComparison.Ordinal) => Json(new { name = "intruder-sms", method = "POST", urlTemplate = "https://sms.example.com/send" }),
        // Account routes act on the caller's own account: a wrong current password exercises them and changes nothing.
        "/api/v1/account/password" => Json(new { currentPassword = "not the password", newPassword = "a brand new passphrase" }),
        "/api/v1/account/profile" => Json(new { email = "moved@example.com", currentPassword = "not the password" }),
        "/api/v1/account/password-reset" => Json(new { email = "someone@example.com" }),
        "/api/v1/account/password-reset/complete" => Json(new { token = "not-a-token", newPassword = "a brand new passphrase" }),
        "/api/v1/operator/invitations" => Json(new { email = "invited@example.com" }),
        "/api/v1/applications/{id}/rules" or "/api/v1/applications/{id}/rules/{ruleId}" => Rule("intruder-rule"),
        "/api/v1/applications/{id}/rules/{ruleId}/status" => Json(new { status = "inactive" }),
        "/api/v1/applications/{id}/devices" => Json(new { nodeId = "intruder-node" }),
        "/api/v1/applications/{id}/devices/import" => new StringContent("nodeId\nintruder-node\n", Encoding.UTF8, "text/csv"),
        "/api/v1/applications/{id}/devices/{deviceId}" => Json(new { name = "intruder" }),
        "/api/v1/applications/{id}/devices/{deviceId}/properties" => Json(new { services = new[] { new { serviceId = "Switch", properties = new { on = true } } } }),
        "/api/v1/applications/{id}/devices/{deviceId}/messages" => Json(new { door = "open" }),
        "/api/v1/applications/{id}/devices/{deviceId}/shadow" => Json(new { services = new[] { new { serviceId = "Switch", desired = new { on = true } } } }),
        "/api/v1/applications/{id}/devices/{deviceId}/events" => Json(new { serviceId = "Door", eventType = "open_request", paras = new { } }),
        "/api/v1/applications/{id}/push/subscriptions" => Json(new { notifyType = "deviceAdded", callbackUrl = "http://127.0.0.1:9/intruder" }),
        "/api/v1/applications/{id}/grants" => Json(new { granteeApplicationId = "intruder", level = "Edit" }),
        "/api/v1/applications/{id}" => Json(new { industry = "healthcare", description = "changed by intruder" }),
        "/api/v1/applications" => Json(new { name = "intruder-app", industry = "retail", acceptTerms = true }),
        _ => null,
    };

    public static StringContent Rule(string name) => Json(new
    {
        name,
        conditions = new[] { new { type = "DEVICE_DATA", deviceInfo = new { path = "Temperature/temperature" }, @operator = ">", value = 30 } },
        actions = new[] { new { type = "SMS", numbers = PhoneNumbers, content = "{value}" } },
    });

    private static StringContent Json(object value) => new(JsonSerializer.Serialize(value), Encoding.UTF8, "application/json");
}
