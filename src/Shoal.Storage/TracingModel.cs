using Microsoft.EntityFrameworkCore;
using Shoal.Storage.Entities;

namespace Shoal.Storage;

/// <summary>The tables of message tracing: the sessions (kept) and their records (expire).</summary>
internal static class TracingModel
{
    public static void Configure(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<TraceSession>(session =>
        {
            session.Property(s => s.Id).HasMaxLength(32);
            session.Property(s => s.ApplicationId).HasMaxLength(32);
            session.Property(s => s.OperatorName).HasMaxLength(254);
            session.HasIndex(s => new { s.ApplicationId, s.StartedAt });
            session.HasIndex(s => new { s.OperatorUserId, s.EndsAt });
            session.HasOne<Application>().WithMany().HasForeignKey(s => s.ApplicationId).OnDelete(DeleteBehavior.Cascade);
        });

        modelBuilder.Entity<TraceRecord>(record =>
        {
            record.Property(r => r.SessionId).HasMaxLength(32);
            record.Property(r => r.DeviceId).HasMaxLength(64);
            record.Property(r => r.Serial).HasMaxLength(64);
            record.Property(r => r.Detail).HasMaxLength(1024);
            record.Property(r => r.Reason).HasMaxLength(1024);
            record.Property(r => r.Hint).HasMaxLength(1024);
            record.Property(r => r.Topic).HasMaxLength(256);
            record.Property(r => r.Url).HasMaxLength(1024);
            record.HasIndex(r => new { r.SessionId, r.Id });
            // Retention deletes by age.
            record.HasIndex(r => r.RecordedAt);
            record.HasOne<TraceSession>().WithMany().HasForeignKey(r => r.SessionId).OnDelete(DeleteBehavior.Cascade);
        });
    }
}
