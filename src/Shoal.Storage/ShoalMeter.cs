namespace Shoal.Storage;

/// <summary>The meter every Shoal instrument is on, whichever project makes it.</summary>
public static class ShoalMeter
{
    public const string Name = "Shoal";
}
