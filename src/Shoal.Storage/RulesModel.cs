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
    }
}
