using Microsoft.EntityFrameworkCore;
using Shoal.Storage.Entities;

namespace Shoal.Storage;

/// <summary>The tables of rules.</summary>
internal static class RulesModel
{
    public static void Configure(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<Rule>(rule =>
        {
            rule.Property(r => r.Id).HasMaxLength(36);
            rule.Property(r => r.ApplicationId).HasMaxLength(32);
            rule.Property(r => r.CreatorId).HasMaxLength(32);
            rule.Property(r => r.Name).HasMaxLength(128);
            rule.Property(r => r.Description).HasMaxLength(1024);
            rule.Property(r => r.Author).HasMaxLength(128);
            rule.Property(r => r.Conditions).HasMaxLength(16384);
            rule.Property(r => r.Actions).HasMaxLength(16384);
            rule.Property(r => r.LastError).HasMaxLength(1024);
            rule.Ignore(r => r.QuietPeriod);
            rule.HasIndex(r => new { r.ApplicationId, r.Name });
            rule.HasOne<Application>().WithMany().HasForeignKey(r => r.ApplicationId).OnDelete(DeleteBehavior.Cascade);
        });

        modelBuilder.Entity<RuleMessage>(message =>
        {
            message.Property(m => m.RuleId).HasMaxLength(36);
            message.Property(m => m.ApplicationId).HasMaxLength(32);
            message.Property(m => m.Recipients).HasMaxLength(8192);
            message.Property(m => m.Subject).HasMaxLength(1024);
            message.Property(m => m.Body).HasMaxLength(16384);
            message.Property(m => m.LastError).HasMaxLength(1024);
            message.HasIndex(m => new { m.State, m.NextAttemptAt });
            message.HasIndex(m => new { m.RuleId, m.Id });
            message.HasOne<Rule>().WithMany().HasForeignKey(m => m.RuleId).OnDelete(DeleteBehavior.Cascade);
        });

        modelBuilder.Entity<RuleFiring>(firing =>
        {
            firing.HasKey(f => new { f.RuleId, f.DeviceId });
            firing.Property(f => f.RuleId).HasMaxLength(36);
            firing.Property(f => f.DeviceId).HasMaxLength(64);
            firing.HasOne<Rule>().WithMany().HasForeignKey(f => f.RuleId).OnDelete(DeleteBehavior.Cascade);
        });

        modelBuilder.Entity<RuleCursor>().Property(c => c.Id).ValueGeneratedNever();
    }
}
