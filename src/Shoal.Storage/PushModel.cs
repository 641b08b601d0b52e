using Microsoft.EntityFrameworkCore;
using Shoal.Storage.Entities;

namespace Shoal.Storage;

/// <summary>The tables of push: subscriptions, the outbox of deliveries, their attempts, the event cursor and signing keys.</summary>
internal static class PushModel
{
    public static void Configure(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<Subscription>(subscription =>
        {
            subscription.Property(s => s.Id).HasMaxLength(36);
            subscription.Property(s => s.ApplicationId).HasMaxLength(32);
            subscription.Property(s => s.SubscriberId).HasMaxLength(32);
            subscription.Property(s => s.NotifyType).HasMaxLength(32);
            subscription.Property(s => s.CallbackUrl).HasMaxLength(1024);
            subscription.Property(s => s.LastError).HasMaxLength(1024);
            // An application's own subscription and each grantee's are separate: a grantee never takes the owner's place.
            subscription.HasIndex(s => new { s.ApplicationId, s.SubscriberId, s.NotifyType }).IsUnique();
            subscription.HasOne<Application>().WithMany().HasForeignKey(s => s.ApplicationId).OnDelete(DeleteBehavior.Cascade);
            subscription.HasOne<Application>().WithMany().HasForeignKey(s => s.SubscriberId).OnDelete(DeleteBehavior.Cascade);
        });

        modelBuilder.Entity<PushDelivery>(delivery =>
        {
            delivery.Property(d => d.WebhookId).HasMaxLength(64);
            delivery.Property(d => d.SubscriptionId).HasMaxLength(36);
            delivery.Property(d => d.CallbackUrl).HasMaxLength(1024);
            delivery.Property(d => d.ApplicationId).HasMaxLength(32);
            delivery.Property(d => d.DeviceId).HasMaxLength(64);
            delivery.Property(d => d.RecipientId).HasMaxLength(32);
            delivery.Property(d => d.NotifyType).HasMaxLength(32);
            delivery.Property(d => d.LastError).HasMaxLength(1024);
            delivery.HasIndex(d => new { d.State, d.NextAttemptAt });
            delivery.HasIndex(d => new { d.SubscriptionId, d.State, d.Id });
            delivery.HasIndex(d => new { d.ApplicationId, d.State });
            delivery.HasIndex(d => new { d.State, d.FinishedAt });
            delivery.HasIndex(d => new { d.DeviceId, d.State, d.Id });
            delivery.HasOne<Subscription>().WithMany().HasForeignKey(d => d.SubscriptionId).OnDelete(DeleteBehavior.Cascade);
        });

        modelBuilder.Entity<PushAttempt>(attempt =>
        {
            attempt.Property(a => a.SubscriptionId).HasMaxLength(36);
            attempt.Property(a => a.Error).HasMaxLength(1024);
            attempt.HasIndex(a => new { a.SubscriptionId, a.Id });
            attempt.HasOne<PushDelivery>().WithMany().HasForeignKey(a => a.DeliveryId).OnDelete(DeleteBehavior.Cascade);
        });

        modelBuilder.Entity<PushCursor>().Property(c => c.Id).ValueGeneratedNever();

        modelBuilder.Entity<PushSigningKey>(key =>
        {
            key.Property(k => k.ApplicationId).HasMaxLength(32);
            key.Property(k => k.ProtectedSecret).HasMaxLength(1024);
            key.HasIndex(k => k.ApplicationId);
            key.HasOne<Application>().WithMany().HasForeignKey(k => k.ApplicationId).OnDelete(DeleteBehavior.Cascade);
        });
    }
}
