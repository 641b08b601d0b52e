using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Shoal.Server.Tests.Gateway;
using Shoal.Server.Tests.Infrastructure;
using Shoal.Server.Tests.Northbound;
using Shoal.Storage.Entities;

namespace Shoal.Server.Tests.Rules;

/// <summary>What rule tests set up: servers registered by the operator, applications that select them, and rules.</summary>
public static class RuleSetup
{
    public const string Hot = """{"services":[{"service_id":"Temperature","properties":{"temperature":35.5}}]}""";
    public const string Mild = """{"services":[{"service_id":"Temperature","properties":{"temperature":21}}]}""";

    public static async Task<string> AddEmailServerAsync<TDatabase>(this ShoalApplication<TDatabase> shoal, SmtpReceiver receiver)
        where TDatabase : ITestDatabase, new() =>
        (await (await shoal.Operator.PostAsJsonAsync("/api/v1/operator/email-servers", new
        {
            name = $"smtp-{Guid.NewGuid():N}", host = "127.0.0.1", port = receiver.Port, tlsMode = "None", senderAddress = "alerts@shoal.example",
        })).JsonAsync(HttpStatusCode.Created)).GetProperty("id").GetString()!;

    public static async Task<string> AddSmsServerAsync<TDatabase>(this ShoalApplication<TDatabase> shoal, SmsGateway gateway)
        where TDatabase : ITestDatabase, new() =>
        (await (await shoal.Operator.PostAsJsonAsync("/api/v1/operator/sms-servers", new
        {
            name = $"sms-{Guid.NewGuid():N}", method = "POST", urlTemplate = gateway.Url("/sms/{to}"),
            headers = new Dictionary<string, string> { ["Authorization"] = "Bearer gateway-key" },
            bodyTemplate = """{"to":"{to}","text":"{text}"}""",
        })).JsonAsync(HttpStatusCode.Created)).GetProperty("id").GetString()!;

    /// <summary>Makes <paramref name="receivers"/> the operator's only e-mail servers.</summary>
    public static async Task ReplaceEmailServersAsync<TDatabase>(this ShoalApplication<TDatabase> shoal, params SmtpReceiver[] receivers)
        where TDatabase : ITestDatabase, new()
    {
        foreach (var server in (await (await shoal.Operator.GetAsync("/api/v1/operator/email-servers")).JsonAsync()).EnumerateArray())
        {
            (await shoal.Operator.DeleteAsync($"/api/v1/operator/email-servers/{server.GetProperty("id").GetString()}")).EnsureSuccessStatusCode();
        }
        foreach (var receiver in receivers)
        {
            await shoal.AddEmailServerAsync(receiver);
        }
    }

    /// <summary>Makes <paramref name="gateways"/> the operator's only SMS gateways.</summary>
    public static async Task ReplaceSmsServersAsync<TDatabase>(this ShoalApplication<TDatabase> shoal, params SmsGateway[] gateways)
        where TDatabase : ITestDatabase, new()
    {
        foreach (var server in (await (await shoal.Operator.GetAsync("/api/v1/operator/sms-servers")).JsonAsync()).EnumerateArray())
        {
            (await shoal.Operator.DeleteAsync($"/api/v1/operator/sms-servers/{server.GetProperty("id").GetString()}")).EnsureSuccessStatusCode();
        }
        foreach (var gateway in gateways)
        {
            await shoal.AddSmsServerAsync(gateway);
        }
    }

    /// <summary>A rule: temperature over 30 sends an e-mail to ops@example.com and an SMS to +4915112345678.</summary>
    public static async Task<string> CreateRuleAsync(this NaApplication app, int quietPeriod = 300) =>
        (await (await app.Na.SendAsync(HttpMethod.Post, "/iocm/app/rule/v1.2.0/rules", $$"""
            {
              "name": "too warm",
              "quietPeriod": {{quietPeriod}},
              "conditions": [{"type": "DEVICE_DATA", "deviceInfo": {"path": "Temperature/temperature"}, "operator": ">", "value": 30}],
              "actions": [
                {"type": "EMAIL", "recipients": ["ops@example.com"], "subject": "{deviceId} is at {value}", "content": "{property} of {deviceId} went over 30: {value}"},
                {"type": "SMS", "numbers": ["+4915112345678"], "content": "{deviceId}: {value}"}
              ]
            }
            """)).JsonAsync()).GetProperty("ruleId").GetString()!;

    public static async Task<JsonElement> RuleAsync(this NaApplication app, string ruleId) =>
        await (await app.Owner.Client.GetAsync($"/api/v1/applications/{app.Id}/rules/{ruleId}")).JsonAsync();

    /// <summary>Waits until the rule's e-mail is in <paramref name="state"/>; returns its ID.</summary>
    public static async Task<long> EmailInStateAsync<TDatabase>(this GatewayApplication<TDatabase> shoal, string ruleId, RuleMessageState state)
        where TDatabase : ITestDatabase, new()
    {
        await shoal.EventuallyAsync(db => db.RuleMessages.AnyAsync(m => m.RuleId == ruleId && m.Channel == RuleActionType.Email && m.State == state));
        return await shoal.QueryAsync(db => db.RuleMessages.Where(m => m.RuleId == ruleId && m.Channel == RuleActionType.Email).Select(m => m.Id).SingleAsync());
    }
}
