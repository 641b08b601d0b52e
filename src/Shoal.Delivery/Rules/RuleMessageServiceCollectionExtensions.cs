using Microsoft.Extensions.DependencyInjection;
using Shoal.Delivery.Mail;
using Shoal.Delivery.Sms;

namespace Shoal.Delivery.Rules;

public static class RuleMessageServiceCollectionExtensions
{
    /// <summary>Registers rule firing, platform mails and the sending of their e-mails and SMS, configured from the <c>Messages</c> section.</summary>
    public static IServiceCollection AddRuleMessages(this IServiceCollection services)
    {
        services.AddOptions<MessageOptions>().BindConfiguration(MessageOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<ServerHealth>();
        services.AddSingleton<MailSender>();
        services.AddSingleton<PlatformMail>();
        services.AddSingleton<SmsSender>();
        services.AddSingleton<RuleMessageWorker>();
        services.AddHostedService(sp => sp.GetRequiredService<RuleMessageWorker>());
        return services;
    }
}
