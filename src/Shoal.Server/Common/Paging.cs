namespace Shoal.Server.Common;

/// <summary>One page of a long list; <see cref="Page"/> counts from 1.</summary>
internal sealed record Paged<T>(IReadOnlyList<T> Items, int Page, int PageSize, int TotalCount)
{
    public int PageCount => Math.Max(1, (TotalCount + PageSize - 1) / PageSize);
}

internal static class Paging
{
    public const int DefaultPageSize = 20;
    public const int MaxPageSize = 100;

    /// <summary>Pages past the last one that an offset of int can reach are all empty: they read as that one, never overflow.</summary>
    private const int MaxPage = int.MaxValue / MaxPageSize;

    public static (int Page, int PageSize) Normalize(int? page, int? pageSize) =>
        (Math.Clamp(page ?? 1, 1, MaxPage), Math.Clamp(pageSize ?? DefaultPageSize, 1, MaxPageSize));
}
