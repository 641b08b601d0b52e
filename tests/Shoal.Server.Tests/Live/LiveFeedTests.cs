using Shoal.Server.Live;

namespace Shoal.Server.Tests.Live;

/// <summary>A watcher too slow for the live view: bounded, and told what it missed.</summary>
public sealed class LiveFeedTests
{
    private static readonly DateTimeOffset Now = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Offer_WatcherFull_DropsAndThenReportsAGapBeforeTheNextEvent()
    {
        using var watcher = new LiveFeed().Watch(new LiveFilter("app", null, new HashSet<string> { "report" }), after: 0);
        for (var id = 1; id <= LiveFeed.WatcherCapacity + 2; id++)
        {
            watcher.Offer(Event(id), "app", Now);
        }
        Assert.Equal(LiveFeed.WatcherCapacity, watcher.Events.Count);

        Assert.True(watcher.Events.TryRead(out var first));
        watcher.Offer(Event(1000), "app", Now);

        var rest = Drain(watcher);
        Assert.Equal(1, first.Id);
        Assert.Equal((LiveFeed.Gap, """{"dropped":2}"""), (rest[^2].Type, rest[^2].Data));
        Assert.Equal(1000, rest[^1].Id);
    }

    private static LiveEvent Event(long id) => new(id, "report", "device", null, Now, "{}");

    private static List<LiveEvent> Drain(LiveFeed.Watcher watcher)
    {
        var events = new List<LiveEvent>();
        while (watcher.Events.TryRead(out var live))
        {
            events.Add(live);
        }
        return events;
    }
}
