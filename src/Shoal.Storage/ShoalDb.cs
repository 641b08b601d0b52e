using Microsoft.EntityFrameworkCore;
using Shoal.Storage.Entities;

namespace Shoal.Storage;

/// <summary>The one database of Shoal. Each provider has a subclass so that each keeps its own migrations.</summary>
public abstract class ShoalDb(DbContextOptions options) : DbContext(options)
{
    public DbSet<User> Users => Set<User>();
    public DbSet<ApiToken> ApiTokens => Set<ApiToken>();
    public DbSet<AccountLink> AccountLinks => Set<AccountLink>();
    public DbSet<Application> Applications => Set<Application>();
    public DbSet<AuditEntry> AuditEntries => Set<AuditEntry>();
    public DbSet<EmailServer> EmailServers => Set<EmailServer>();
    public DbSet<SmsServer> SmsServers => Set<SmsServer>();
    public DbSet<PlatformSettings> PlatformSettings => Set<PlatformSettings>();
    public DbSet<NorthboundToken> NorthboundTokens => Set<NorthboundToken>();
    public DbSet<Device> Devices => Set<Device>();
    public DbSet<DeviceAccessToken> DeviceAccessTokens => Set<DeviceAccessToken>();
    public DbSet<ApplicationGrant> ApplicationGrants => Set<ApplicationGrant>();
    public DbSet<DeviceDataPoint> DeviceDataPoints => Set<DeviceDataPoint>();
    public DbSet<DeviceServiceState> DeviceServiceStates => Set<DeviceServiceState>();
    public DbSet<DeviceDesiredState> DeviceDesiredStates => Set<DeviceDesiredState>();
    public DbSet<DeviceEvent> DeviceEvents => Set<DeviceEvent>();
    public DbSet<DeviceCommand> DeviceCommands => Set<DeviceCommand>();
    public DbSet<Subscription> Subscriptions => Set<Subscription>();
    public DbSet<PushDelivery> PushDeliveries => Set<PushDelivery>();
    public DbSet<PushAttempt> PushAttempts => Set<PushAttempt>();
    public DbSet<PushCursor> PushCursors => Set<PushCursor>();
    public DbSet<PushSigningKey> PushSigningKeys => Set<PushSigningKey>();
    public DbSet<Rule> Rules => Set<Rule>();
    public DbSet<RuleMessage> RuleMessages => Set<RuleMessage>();
    public DbSet<RuleFiring> RuleFirings => Set<RuleFiring>();
    public DbSet<RuleCursor> RuleCursors => Set<RuleCursor>();
    public DbSet<TraceSession> TraceSessions => Set<TraceSession>();
    public DbSet<TraceRecord> TraceRecords => Set<TraceRecord>();
    public DbSet<ClusterNode> ClusterNodes => Set<ClusterNode>();
    public DbSet<NorthboundCallCount> NorthboundCallCounts => Set<NorthboundCallCount>();

    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        ArgumentNullException.ThrowIfNull(configurationBuilder);
        configurationBuilder.Properties<Enum>().HaveConversion<string>().HaveMaxLength(32);
    }

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        ArgumentNullException.ThrowIfNull(modelBuilder);

        modelBuilder.Entity<User>(user =>
        {
            user.Property(u => u.Email).HasMaxLength(254);
            user.Property(u => u.EmailKey).HasMaxLength(254);
            user.HasIndex(u => u.EmailKey).IsUnique();
            user.Property(u => u.DisplayName).HasMaxLength(100);
            user.Property(u => u.PasswordHash).HasMaxLength(200);
            user.Property(u => u.Version).IsConcurrencyToken();
            user.Property(u => u.SecurityStamp).HasMaxLength(64);
        });

        modelBuilder.Entity<AccountLink>(link =>
        {
            link.Property(l => l.Email).HasMaxLength(254);
            link.Property(l => l.EmailKey).HasMaxLength(254);
            link.HasIndex(l => l.TokenHash).IsUnique();
            link.HasIndex(l => new { l.EmailKey, l.Kind });
            link.HasOne<User>().WithMany().HasForeignKey(l => l.UserId).OnDelete(DeleteBehavior.Cascade);
        });

        modelBuilder.Entity<ApiToken>(token =>
        {
            token.Property(t => t.Name).HasMaxLength(100);
            token.Property(t => t.Prefix).HasMaxLength(16);
            token.HasIndex(t => t.TokenHash).IsUnique();
            token.HasIndex(t => t.UserId);
            token.HasOne<User>().WithMany().HasForeignKey(t => t.UserId).OnDelete(DeleteBehavior.Cascade);
        });

        modelBuilder.Entity<Application>(app =>
        {
            app.Property(a => a.Id).HasMaxLength(32);
            app.Property(a => a.Name).HasMaxLength(64);
            app.Property(a => a.NameKey).HasMaxLength(64);
            app.HasIndex(a => new { a.OwnerId, a.NameKey }).IsUnique();
            app.Property(a => a.Industry).HasMaxLength(64);
            app.Property(a => a.Description).HasMaxLength(2048);
            app.Property(a => a.IconContentType).HasMaxLength(32);
            app.Property(a => a.TermsVersion).HasMaxLength(32);
            app.Property(a => a.Codec).HasMaxLength(Application.CodecMaxLength);
            app.HasOne<User>().WithMany().HasForeignKey(a => a.OwnerId).OnDelete(DeleteBehavior.Cascade);
            // No foreign keys to the selected e-mail and SMS servers: a selection outlives its server's deletion, so the
            // application and its rules can say that their messages now go through a random server instead of changing silently.
        });

        modelBuilder.Entity<AuditEntry>(entry =>
        {
            entry.Property(e => e.ApplicationId).HasMaxLength(32);
            entry.Property(e => e.Actor).HasMaxLength(254);
            entry.Property(e => e.Action).HasMaxLength(64);
            entry.Property(e => e.Detail).HasMaxLength(4096);
            entry.Property(e => e.Address).HasMaxLength(64);
            entry.HasIndex(e => new { e.ApplicationId, e.Id });
            entry.HasIndex(e => new { e.SubjectUserId, e.Id });
        });

        modelBuilder.Entity<EmailServer>(server =>
        {
            server.Property(s => s.Name).HasMaxLength(100);
            server.HasIndex(s => s.Name).IsUnique();
            server.Property(s => s.Host).HasMaxLength(253);
            server.Property(s => s.UserName).HasMaxLength(254);
            server.Property(s => s.SenderAddress).HasMaxLength(254);
        });

        modelBuilder.Entity<SmsServer>(server =>
        {
            server.Property(s => s.Name).HasMaxLength(100);
            server.HasIndex(s => s.Name).IsUnique();
            server.Property(s => s.Method).HasMaxLength(10);
            server.Property(s => s.UrlTemplate).HasMaxLength(2048);
            server.Property(s => s.HeaderNames).HasMaxLength(1024);
            server.Property(s => s.BodyTemplate).HasMaxLength(4096);
        });

        modelBuilder.Entity<PlatformSettings>().Property(s => s.Id).ValueGeneratedNever();

        modelBuilder.Entity<NorthboundToken>(token =>
        {
            token.HasIndex(t => t.AccessTokenHash).IsUnique();
            token.HasIndex(t => t.RefreshTokenHash).IsUnique();
            token.HasIndex(t => t.ApplicationId);
            token.Property(t => t.ApplicationId).HasMaxLength(32);
            token.HasOne<Application>().WithMany().HasForeignKey(t => t.ApplicationId).OnDelete(DeleteBehavior.Cascade);
        });

        modelBuilder.Entity<Device>(device =>
        {
            device.Property(d => d.Id).HasMaxLength(64);
            device.Property(d => d.ApplicationId).HasMaxLength(32);
            device.Property(d => d.NodeId).HasMaxLength(64);
            device.HasIndex(d => new { d.ApplicationId, d.NodeId }).IsUnique();
            // An LwM2M device registers with its endpoint name alone, so it is looked up by node ID across applications.
            device.HasIndex(d => d.NodeId);
            device.HasIndex(d => new { d.ApplicationId, d.CreatedAt });
            device.HasIndex(d => d.RegistrationExpiresAt);
            device.Property(d => d.ConnectedNode).HasMaxLength(64);
            device.Property(d => d.LastDisconnectReason).HasMaxLength(Device.DisconnectReasonLength);
            device.HasIndex(d => d.ConnectedNode);
            device.Property(d => d.VerifyCode).HasMaxLength(64);
            device.Property(d => d.ProtectedSecret).HasMaxLength(1024);
            foreach (var text in new[] { nameof(Device.ProductId), nameof(Device.Name), nameof(Device.Manufacturer), nameof(Device.Model), nameof(Device.DeviceType), nameof(Device.ProtocolType), nameof(Device.Location) })
            {
                device.Property(text).HasMaxLength(256);
            }
            device.Property(d => d.Description).HasMaxLength(2048);
            device.HasOne<Application>().WithMany().HasForeignKey(d => d.ApplicationId).OnDelete(DeleteBehavior.Cascade);
            device.Property(d => d.GatewayId).HasMaxLength(64);
            device.HasIndex(d => d.GatewayId);
            // The registry deletes a gateway's sub-devices itself, with their events; the cascade covers bulk deletes.
            device.HasOne<Device>().WithMany().HasForeignKey(d => d.GatewayId).OnDelete(DeleteBehavior.Cascade);
        });

        modelBuilder.Entity<DeviceAccessToken>(token =>
        {
            token.Property(t => t.DeviceId).HasMaxLength(64);
            token.Property(t => t.TokenHash).HasMaxLength(32);
            token.HasIndex(t => t.TokenHash).IsUnique();
            token.HasIndex(t => t.DeviceId);
            token.HasOne<Device>().WithMany().HasForeignKey(t => t.DeviceId).OnDelete(DeleteBehavior.Cascade);
        });

        modelBuilder.Entity<ApplicationGrant>(grant =>
        {
            grant.Property(g => g.GrantorId).HasMaxLength(32);
            grant.Property(g => g.GranteeId).HasMaxLength(32);
            grant.HasIndex(g => new { g.GrantorId, g.GranteeId }).IsUnique();
            grant.HasIndex(g => g.GranteeId);
            grant.HasOne<Application>().WithMany().HasForeignKey(g => g.GrantorId).OnDelete(DeleteBehavior.Cascade);
            grant.HasOne<Application>().WithMany().HasForeignKey(g => g.GranteeId).OnDelete(DeleteBehavior.Cascade);
        });

        modelBuilder.Entity<DeviceDataPoint>(point =>
        {
            point.Property(p => p.ApplicationId).HasMaxLength(32);
            point.Property(p => p.DeviceId).HasMaxLength(64);
            point.Property(p => p.ServiceId).HasMaxLength(64);
            point.Property(p => p.PropertyNames).HasMaxLength(4096);
            // A device's history: its count reads this index alone, and its pages read it newest first (the Id orders
            // equal times, as the history query does) and stop at the page's end, with no sort.
            point.HasIndex(p => new { p.DeviceId, p.ApplicationId, p.EventTime, p.Id });
            // Retention deletes by application and age.
            point.HasIndex(p => new { p.ApplicationId, p.EventTime });
            point.HasOne<Device>().WithMany().HasForeignKey(p => p.DeviceId).OnDelete(DeleteBehavior.Cascade);
        });

        modelBuilder.Entity<DeviceServiceState>(state =>
        {
            state.HasKey(s => new { s.DeviceId, s.ServiceId });
            state.Property(s => s.DeviceId).HasMaxLength(64);
            state.Property(s => s.ServiceId).HasMaxLength(64);
            state.HasOne<Device>().WithMany().HasForeignKey(s => s.DeviceId).OnDelete(DeleteBehavior.Cascade);
        });

        modelBuilder.Entity<DeviceDesiredState>(desired =>
        {
            desired.HasKey(d => new { d.DeviceId, d.ServiceId });
            desired.Property(d => d.DeviceId).HasMaxLength(64);
            desired.Property(d => d.ServiceId).HasMaxLength(64);
            desired.Property(d => d.Version).IsConcurrencyToken();
            desired.HasOne<Device>().WithMany().HasForeignKey(d => d.DeviceId).OnDelete(DeleteBehavior.Cascade);
        });

        // No foreign keys: the log outlives the devices it tells about.
        modelBuilder.Entity<DeviceEvent>(deviceEvent =>
        {
            deviceEvent.Property(e => e.ApplicationId).HasMaxLength(32);
            deviceEvent.Property(e => e.DeviceId).HasMaxLength(64);
            deviceEvent.HasIndex(e => new { e.ApplicationId, e.Id });
        });

        modelBuilder.Entity<DeviceCommand>(command =>
        {
            command.Property(c => c.Id).HasMaxLength(32);
            command.Property(c => c.ApplicationId).HasMaxLength(32);
            command.Property(c => c.IssuerId).HasMaxLength(32);
            command.Property(c => c.DeviceId).HasMaxLength(64);
            command.Property(c => c.ServiceId).HasMaxLength(64);
            command.Property(c => c.Method).HasMaxLength(128);
            command.Property(c => c.CallbackUrl).HasMaxLength(1024);
            command.Property(c => c.Version).IsConcurrencyToken();
            // The dispatcher's sweeps and polls: open commands by state and deadline.
            command.HasIndex(c => new { c.Status, c.ExpiresAt });
            command.HasIndex(c => new { c.ApplicationId, c.CreatedAt });
            command.HasIndex(c => new { c.DeviceId, c.CreatedAt });
            command.HasOne<Device>().WithMany().HasForeignKey(c => c.DeviceId).OnDelete(DeleteBehavior.Cascade);
        });
        PushModel.Configure(modelBuilder);
        RulesModel.Configure(modelBuilder);
        TracingModel.Configure(modelBuilder);

        modelBuilder.Entity<ClusterNode>(node =>
        {
            node.HasKey(n => n.Name);
            node.Property(n => n.Name).HasMaxLength(64);
        });

        modelBuilder.Entity<NorthboundCallCount>(count =>
        {
            count.HasKey(c => new { c.Window, c.ApplicationId, c.Node });
            count.Property(c => c.ApplicationId).HasMaxLength(32);
            count.Property(c => c.Node).HasMaxLength(64);
        });
    }
}

public sealed class SqliteShoalDb(DbContextOptions<SqliteShoalDb> options) : ShoalDb(options)
{
    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        base.ConfigureConventions(configurationBuilder);
        // SQLite has no timestamp type that sorts and compares; UTC ticks do both.
        configurationBuilder.Properties<DateTimeOffset>().HaveConversion<UtcTicksConverter>();
    }
}

public sealed class PostgresShoalDb(DbContextOptions<PostgresShoalDb> options) : ShoalDb(options);
