namespace Shoal.Storage.Entities;

/// <summary>
/// A Shoal node sharing the database. It renews its lease while it runs; once the lease has run out, another node takes
/// over what it held: its devices go OFFLINE and its row is deleted.
/// </summary>
public sealed class ClusterNode
{
    public required string Name { get; set; }
    public DateTimeOffset StartedAt { get; set; }
    public DateTimeOffset LeaseUntil { get; set; }
}

/// <summary>One node's count of an application's northbound calls in one throttle window, shared so every node counts them all.</summary>
public sealed class NorthboundCallCount
{
    public required string ApplicationId { get; set; }
    /// <summary>The window's number: the time since the Unix epoch divided by the window's length.</summary>
    public long Window { get; set; }
    public required string Node { get; set; }
    public int Calls { get; set; }
}
