namespace Resilience;

/// <summary>
/// Which tier may replace which, in one table (the numeric values of <see cref="ConfigOrigin"/> mean nothing here).
/// Live tiers (the control plane, an operator's manual apply) always replace what is served; the start-up tiers
/// (cache, fallback store, declarative) replace only a start-up tier of the same or a lower rank, or nothing, and
/// never a live one: once the control plane has spoken, the node never goes back down the chain on its own.
/// </summary>
internal static class TierPrecedence
{
    /// <summary>One row per origin: its rank in the chain (1 is the top) and whether it is live.</summary>
    private static readonly Row[] Table =
    [
        new(ConfigOrigin.ControlPlane, Rank: 1, IsLive: true),
        new(ConfigOrigin.Manual, Rank: 1, IsLive: true),
        new(ConfigOrigin.Cache, Rank: 2, IsLive: false),
        new(ConfigOrigin.FallbackStore, Rank: 3, IsLive: false),
        new(ConfigOrigin.Declarative, Rank: 4, IsLive: false),
        new(ConfigOrigin.None, Rank: int.MaxValue, IsLive: false),
    ];

    /// <summary>Gets the origins in chain order, top first (the live ones, then cache, fallback store, declarative, none).</summary>
    public static IReadOnlyList<ConfigOrigin> Order { get; } = Table.OrderBy(r => r.Rank).Select(r => r.Origin).ToArray();

    /// <summary>Whether a configuration from <paramref name="incoming"/> may replace one served from <paramref name="served"/>.</summary>
    public static bool CanReplace(ConfigOrigin served, ConfigOrigin incoming)
    {
        var current = RowOf(served);
        var next = RowOf(incoming);
        return next.IsLive || (!current.IsLive && next.Rank <= current.Rank);
    }

    /// <summary>Whether an origin is live (the control plane or an operator), as opposed to a start-up tier.</summary>
    public static bool IsLive(ConfigOrigin origin) => RowOf(origin).IsLive;

    /// <summary>The origin's rank: 1 for the live tiers, then 2 (cache), 3 (fallback store), 4 (declarative).</summary>
    public static int Rank(ConfigOrigin origin) => RowOf(origin).Rank;

    private static Row RowOf(ConfigOrigin origin)
    {
        foreach (var row in Table)
        {
            if (row.Origin == origin)
            {
                return row;
            }
        }

        throw new ArgumentOutOfRangeException(nameof(origin), origin, "The origin has no row in the tier precedence table.");
    }

    private readonly record struct Row(ConfigOrigin Origin, int Rank, bool IsLive);
}
