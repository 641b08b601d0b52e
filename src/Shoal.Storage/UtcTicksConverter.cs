using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace Shoal.Storage;

internal sealed class UtcTicksConverter() : ValueConverter<DateTimeOffset, long>(
    value => value.UtcTicks,
    ticks => new DateTimeOffset(ticks, TimeSpan.Zero));
