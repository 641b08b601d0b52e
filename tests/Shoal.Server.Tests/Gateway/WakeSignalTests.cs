using Microsoft.Extensions.Time.Testing;
using Shoal.Gateway;

namespace Shoal.Server.Tests.Gateway;

/// <summary>A worker's wake-up says whether its run is for everything, or only for devices that have just connected.</summary>
public sealed class WakeSignalTests
{
    private static readonly TimeSpan Poll = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan Gathering = TimeSpan.FromMilliseconds(10);

    [Fact]
    public async Task WaitAsync_WokenByConnectsOnly_IsForThoseDevices()
    {
        var signal = new CommandSignal();
        signal.Wake("a");
        signal.Wake("b");

        var devices = await signal.WaitAsync(Poll, new FakeTimeProvider(), TimeSpan.Zero, TimeProvider.System, TestContext.Current.CancellationToken);

        Assert.Equal(["a", "b"], devices!.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task WaitAsync_WokenForEverythingAndByAConnect_IsForEverything()
    {
        var signal = new CommandSignal();
        signal.Wake("a");
        signal.Wake();

        Assert.Null(await signal.WaitAsync(Poll, new FakeTimeProvider(), TimeSpan.Zero, TimeProvider.System, TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task WaitAsync_PollIntervalPassed_IsForEverything()
    {
        var signal = new CommandSignal();
        var time = new FakeTimeProvider();

        var waiting = signal.WaitAsync(Poll, time, TimeSpan.Zero, TimeProvider.System, TestContext.Current.CancellationToken);
        time.Advance(Poll);

        Assert.Null(await waiting);
    }

    [Fact]
    public async Task WaitAsync_AfterARun_ForgetsTheDevicesOfTheRunBefore()
    {
        var signal = new CommandSignal();
        signal.Wake("a");
        await signal.WaitAsync(Poll, new FakeTimeProvider(), TimeSpan.Zero, TimeProvider.System, TestContext.Current.CancellationToken);
        signal.Wake("b");

        var devices = await signal.WaitAsync(Poll, new FakeTimeProvider(), TimeSpan.Zero, TimeProvider.System, TestContext.Current.CancellationToken);

        Assert.Equal(["b"], devices!);
    }

    [Fact]
    public async Task WaitAsync_WokenByAConnect_GathersTheConnectsOfTheWindowIntoOneRun()
    {
        var signal = new CommandSignal();
        var clock = new FakeTimeProvider();
        signal.Wake("a");

        var waiting = signal.WaitAsync(Poll, new FakeTimeProvider(), Gathering, clock, TestContext.Current.CancellationToken);
        signal.Wake("b");
        clock.Advance(Gathering - TimeSpan.FromMilliseconds(1));
        signal.Wake("c");
        Assert.False(waiting.IsCompleted);
        clock.Advance(TimeSpan.FromMilliseconds(1));

        Assert.Equal(["a", "b", "c"], (await waiting)!.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task WaitAsync_WokenForEverythingWhileGathering_RunsAtOnceForEverything()
    {
        var signal = new CommandSignal();
        signal.Wake("a");

        var waiting = signal.WaitAsync(Poll, new FakeTimeProvider(), Gathering, new FakeTimeProvider(), TestContext.Current.CancellationToken);
        Assert.False(waiting.IsCompleted);
        signal.Wake();

        Assert.Null(await waiting);
    }

    [Fact]
    public async Task WaitAsync_AfterAGatheredRun_WakesTheNextRunForTheDevicesThatCameLater()
    {
        var signal = new CommandSignal();
        var clock = new FakeTimeProvider();
        signal.Wake("a");
        var first = signal.WaitAsync(Poll, new FakeTimeProvider(), Gathering, clock, TestContext.Current.CancellationToken);
        clock.Advance(Gathering);
        await first;
        signal.Wake("b");

        var second = signal.WaitAsync(Poll, new FakeTimeProvider(), Gathering, clock, TestContext.Current.CancellationToken);
        clock.Advance(Gathering);

        Assert.Equal(["b"], (await second)!);
    }
}
