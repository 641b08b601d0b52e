using Shoal.Server.Common;

namespace Shoal.Server.Portal;

/// <summary>What the pager partial needs: where it is, and the query values every page link keeps (a search, say).</summary>
internal sealed record Pager(int Page, int PageCount, int TotalCount, int PageSize, IReadOnlyDictionary<string, string?> Keep)
{
    public static Pager Of<T>(Paged<T> paged, IReadOnlyDictionary<string, string?>? keep = null)
    {
        ArgumentNullException.ThrowIfNull(paged);
        return new(paged.Page, paged.PageCount, paged.TotalCount, paged.PageSize, keep ?? new Dictionary<string, string?>());
    }

    public int First => TotalCount == 0 ? 0 : (Page - 1) * PageSize + 1;

    public int Last => Math.Min(TotalCount, Page * PageSize);

    public string Link(int page) => Query(Keep, page);

    /// <summary>A query string that keeps <paramref name="keep"/> (empty values left out) and names the page.</summary>
    public static string Query(IReadOnlyDictionary<string, string?> keep, int page)
    {
        ArgumentNullException.ThrowIfNull(keep);
        var query = keep.Where(k => !string.IsNullOrEmpty(k.Value))
            .Select(k => $"{Uri.EscapeDataString(k.Key)}={Uri.EscapeDataString(k.Value!)}")
            .Append($"page={page}");
        return "?" + string.Join("&", query);
    }
}
