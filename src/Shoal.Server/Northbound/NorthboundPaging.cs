namespace Shoal.Server.Northbound;

/// <summary>The <c>pageNo</c>/<c>pageSize</c> and <c>startTime</c>/<c>endTime</c> parameters the northbound list calls share.</summary>
internal readonly record struct NorthboundPage(int PageNo, int PageSize)
{
    public const int DefaultSize = 25;
    public const int MaxSize = 250;

    public static (NorthboundPage Page, NorthboundError? Error) Parse(IQueryCollection query)
    {
        var pageNo = 0;
        var pageSize = DefaultSize;
        if (query.TryGetValue("pageNo", out var pageNoText) && (!int.TryParse(pageNoText, out pageNo) || pageNo < 0))
        {
            return (default, NorthboundError.Invalid("pageNo must be a whole number from 0."));
        }
        if (query.TryGetValue("pageSize", out var pageSizeText) && (!int.TryParse(pageSizeText, out pageSize) || pageSize is < 1 or > MaxSize))
        {
            return (default, NorthboundError.Invalid($"pageSize must be from 1 to {MaxSize}."));
        }
        // The offset pageNo × pageSize must fit the databases' row counts (and an int): beyond it no page can hold rows.
        if ((long)pageNo * pageSize > int.MaxValue)
        {
            return (default, NorthboundError.Invalid($"pageNo × pageSize must be at most {int.MaxValue}."));
        }
        return (new NorthboundPage(pageNo, pageSize), null);
    }
}

internal readonly record struct NorthboundTimeRange(DateTimeOffset? From, DateTimeOffset? To)
{
    public static (NorthboundTimeRange Range, NorthboundError? Error) Parse(IQueryCollection query)
    {
        var (from, error) = ParseTime(query, "startTime");
        if (error is not null)
        {
            return (default, error);
        }
        (var to, error) = ParseTime(query, "endTime");
        return (new NorthboundTimeRange(from, to), error);
    }

    private static (DateTimeOffset? Time, NorthboundError? Error) ParseTime(IQueryCollection query, string name)
    {
        if (!query.TryGetValue(name, out var text))
        {
            return (null, null);
        }
        return NorthboundJson.TryParseTime(text, out var time)
            ? (time, null)
            : (null, NorthboundError.Invalid($"{name} must be a UTC time like 20261125T101500Z."));
    }
}
