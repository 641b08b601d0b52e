namespace Shoal.Server.Tests.Portal;

/// <summary>
/// Browser tests run on their own, after the parallel ones: Chromium and a server on real sockets are heavy
/// on two cores, and a page that waits on a starved server fails by timeout rather than by a real fault.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class BrowserTests
{
    public const string Name = "Browser";
}
