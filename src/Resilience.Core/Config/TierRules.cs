namespace Resilience;

/// <summary>
/// Every rule that depends on where a configuration came from, in one table (docs/architecture.md, "The tier rules",
/// shows the same table; a test keeps the two in step). The chain, the pipeline, the signature check, the cache write,
/// the export, the history and the bake read their rule here and nowhere else.
/// </summary>
/// <remarks>
/// Columns: the step of the start-up walk that may serve it (0: not a start-up tier), its rank (1 is the top),
/// whether it is live (a live configuration replaces whatever is served; a start-up tier replaces only a start-up tier of
/// the same or a lower rank, or nothing), whether it must be signed when signing is on, whether it is written to the
/// cache, whether the elected exporter uploads it, whether it is kept in the history, and whether a failed bake may
/// revert it.
/// </remarks>
internal static class TierRules
{
    private static readonly Row[] Table =
    [
        //  origin                     startup rank live   signed cached exported history revertible
        new(ConfigOrigin.ControlPlane,  2,     1,   true,  true,  true,  true,    true,   true),
        new(ConfigOrigin.Manual,        0,     1,   true,  false, true,  false,   true,   false),
        new(ConfigOrigin.Rollback,      0,     1,   true,  true,  true,  false,   true,   false),
        new(ConfigOrigin.Cache,         1,     2,   false, true,  false, false,   true,   false),
        new(ConfigOrigin.FallbackStore, 3,     3,   false, true,  true,  false,   true,   false),
        new(ConfigOrigin.Declarative,   4,     4,   false, false, true,  false,   true,   false),
        new(ConfigOrigin.None,          0,     int.MaxValue, false, false, false, false, false, false),
    ];

    /// <summary>Gets the origins in chain order, top first (the live ones, then cache, fallback store, declarative, none).</summary>
    public static IReadOnlyList<ConfigOrigin> Order { get; } = Sorted(startupOnly: false);

    /// <summary>Gets the start-up walk: the tiers in the order start-up tries them (cache, control plane, fallback store, declarative).</summary>
    public static IReadOnlyList<ConfigOrigin> StartupOrder { get; } = Sorted(startupOnly: true);

    /// <summary>Gets every row, for the documentation test.</summary>
    public static IReadOnlyList<Row> Rows => Table;

    /// <summary>Whether a configuration from <paramref name="incoming"/> may replace one served from <paramref name="served"/>.</summary>
    public static bool CanReplace(ConfigOrigin served, ConfigOrigin incoming)
    {
        var current = RowOf(served);
        var next = RowOf(incoming);
        return next.IsLive || (!current.IsLive && next.Rank <= current.Rank);
    }

    /// <summary>Whether an origin is live (the control plane, an operator, a rollback), as opposed to a start-up tier.</summary>
    public static bool IsLive(ConfigOrigin origin) => RowOf(origin).IsLive;

    /// <summary>The origin's rank: 1 for the live tiers, then 2 (cache), 3 (fallback store), 4 (declarative).</summary>
    public static int Rank(ConfigOrigin origin) => RowOf(origin).Rank;

    /// <summary>Whether a configuration from this origin must carry a valid signature when signing is on.</summary>
    public static bool IsSigned(ConfigOrigin origin) => RowOf(origin).IsSigned;

    /// <summary>Whether a served configuration from this origin is written to the cache.</summary>
    public static bool IsCached(ConfigOrigin origin) => RowOf(origin).IsCached;

    /// <summary>Whether the elected exporter uploads a configuration served from this origin.</summary>
    public static bool IsExported(ConfigOrigin origin) => RowOf(origin).IsExported;

    /// <summary>Whether a served configuration from this origin gets a history entry.</summary>
    public static bool IsKeptInHistory(ConfigOrigin origin) => RowOf(origin).IsKeptInHistory;

    /// <summary>Whether a failed bake may revert a configuration from this origin (never a rollback or an operator's apply).</summary>
    public static bool IsRevertible(ConfigOrigin origin) => RowOf(origin).IsRevertible;

    /// <summary>
    /// The origins by rank (or the start-up tiers by step), equal keys in the table's order. Plain loops, not LINQ: the
    /// first apply of a start-up reads this table, and LINQ's sorting over a value type is compiled right then (a
    /// tenth of a cold start-up apply in the sample gateway's trace, docs/benchmarks.md).
    /// </summary>
    private static ConfigOrigin[] Sorted(bool startupOnly)
    {
        var rows = new Row[Table.Length];
        var count = 0;
        foreach (var row in Table)
        {
            if (startupOnly && row.StartupStep == 0)
            {
                continue;
            }

            var at = count++;
            while (at > 0 && Key(rows[at - 1], startupOnly) > Key(row, startupOnly))
            {
                rows[at] = rows[at - 1];
                at--;
            }

            rows[at] = row;
        }

        var origins = new ConfigOrigin[count];
        for (var i = 0; i < count; i++)
        {
            origins[i] = rows[i].Origin;
        }

        return origins;
    }

    private static int Key(Row row, bool startupOnly) => startupOnly ? row.StartupStep : row.Rank;

    private static Row RowOf(ConfigOrigin origin)
    {
        foreach (var row in Table)
        {
            if (row.Origin == origin)
            {
                return row;
            }
        }

        throw new ArgumentOutOfRangeException(nameof(origin), origin, "The origin has no row in the tier rules.");
    }

    /// <summary>One origin's rules.</summary>
    internal readonly record struct Row(
        ConfigOrigin Origin,
        int StartupStep,
        int Rank,
        bool IsLive,
        bool IsSigned,
        bool IsCached,
        bool IsExported,
        bool IsKeptInHistory,
        bool IsRevertible);
}
