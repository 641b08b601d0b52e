namespace Shoal.Storage.Tests;

public sealed class StorageOptionsTests
{
    [Fact]
    public void Validate_Defaults_Pass() => new StorageOptions().Validate();

    [Fact]
    public void Validate_RetentionBatchSizeZero_ThrowsNamingTheSetting()
    {
        var error = Assert.Throws<InvalidOperationException>(() => new StorageOptions { HistoryRetentionBatchSize = 0 }.Validate());

        Assert.Contains("Storage:HistoryRetentionBatchSize", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_RetentionIntervalZero_ThrowsNamingTheSetting()
    {
        var error = Assert.Throws<InvalidOperationException>(() => new StorageOptions { HistoryRetentionInterval = TimeSpan.Zero }.Validate());

        Assert.Contains("Storage:HistoryRetentionInterval", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_EventLogRetentionNegative_ThrowsNamingTheSetting()
    {
        var error = Assert.Throws<InvalidOperationException>(() => new StorageOptions { EventLogRetention = TimeSpan.FromHours(-1) }.Validate());

        Assert.Contains("Storage:EventLogRetention", error.Message, StringComparison.Ordinal);
    }
}
