using Microsoft.Extensions.Time.Testing;
using Shoal.Gateway;

namespace Shoal.Server.Tests.Gateway;

/// <summary>A worker's wake-up says whether its run is for everything, or only for devices that have just connected.</summary>
public sealed class WakeSignalTests
{
    private static readonly TimeSpan Poll = TimeSpan.FromSeconds(2);

    [Fact]
    public async Task WaitAsync_WokenByConnectsOnly_IsForThoseDevices()
    {
        var signal = new CommandSignal();
        signal.Wake("a");
        signal.Wake("b");

        var devices = await signal.WaitAsync(Poll, new FakeTimeProvider(), TestContext.Current.CancellationToken);

        Assert.Equal(["a", "b"], devices!.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task WaitAsync_WokenForEverythingAndByAConnect_IsForEverything()
    {
        var signal = new CommandSignal();
        signal.Wake("a");
        signal.Wake();

        Assert.Null(await signal.WaitAsync(Poll, new FakeTimeProvider(), TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task WaitAsync_PollIntervalPassed_IsForEverything()
    {
        var signal = new CommandSignal();
        var time = new FakeTimeProvider();

        var waiting = signal.WaitAsync(Poll, time, TestContext.Current.CancellationToken);
        time.Advance(Poll);

        Assert.Null(await waiting);
    }

    [Fact]
    public async Task WaitAsync_AfterARun_ForgetsTheDevicesOfTheRunBefore()
    {
        var signal = new CommandSignal();
        signal.Wake("a");
        await signal.WaitAsync(Poll, new FakeTimeProvider(), TestContext.Current.CancellationToken);
        signal.Wake("b");

        var devices = await signal.WaitAsync(Poll, new FakeTimeProvider(), TestContext.Current.CancellationToken);

        Assert.Equal(["b"], devices!);
    }
}
