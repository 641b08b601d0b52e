using Shoal.Delivery.Rules;
using Shoal.Storage.Entities;

namespace Shoal.Server.Tests.Rules;

/// <summary>How a reported value compares with a numeric condition, whatever JSON form the device gave the number in.</summary>
public sealed class RuleEvaluationTests
{
    [Theory]
    [InlineData("25", true)]
    [InlineData("2.5e1", true)]
    [InlineData("\"25\"", true)]
    [InlineData("20", false)]
    [InlineData("\"warm\"", false)]
    public void Evaluate_GreaterThanTwenty_ComparesTheReportedNumber(string reported, bool fires)
    {
        var condition = new RuleCondition(RuleConditionType.DeviceData, null, "Temperature", "value", ">", "20", Numeric: true, null);
        var rule = new Rule
        {
            Id = "rule", ApplicationId = "app", Name = "hot", Conditions = RuleJson.Write(new[] { condition }), Actions = "[]",
        };
        var report = new DeviceEvent
        {
            ApplicationId = "app", DeviceId = "device", Type = DeviceEventType.PropertiesReported,
            Payload = $$"""{"services":[{"serviceId":"Temperature","data":{"value":{{reported}}},"eventTime":"20261126T000000Z"}]}""",
        };

        var match = RuleEvaluation.Evaluate(rule, rule.ReadConditions(), "device", Observation.Of(report), DateTimeOffset.UnixEpoch);

        Assert.Equal(fires, match is not null);
    }
}
