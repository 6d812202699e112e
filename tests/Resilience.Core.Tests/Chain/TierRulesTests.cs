using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Resilience.Tests.Chain;

/// <summary>The tier rules: who may replace whom, written out here as the design states it, cell by cell; and the one table of every rule, as the docs show it.</summary>
public sealed class TierRulesTests
{
    /// <summary>
    /// Rows: what is served; columns: what arrives (CP, Manual, Rollback, Cache, Store, Yaml). "R": replaces, "-": superseded.
    /// Live tiers always replace; start-up tiers replace nothing live and only a start-up tier of their rank or below.
    /// </summary>
    private static readonly (ConfigOrigin Served, string Cells)[] Expected =
    [
        (ConfigOrigin.None, "RRRRRR"),
        (ConfigOrigin.ControlPlane, "RRR---"),
        (ConfigOrigin.Manual, "RRR---"),
        (ConfigOrigin.Rollback, "RRR---"),
        (ConfigOrigin.Cache, "RRRR--"),
        (ConfigOrigin.FallbackStore, "RRRRR-"),
        (ConfigOrigin.Declarative, "RRRRRR"),
    ];

    private static readonly ConfigOrigin[] Incoming = [ConfigOrigin.ControlPlane, ConfigOrigin.Manual, ConfigOrigin.Rollback, ConfigOrigin.Cache, ConfigOrigin.FallbackStore, ConfigOrigin.Declarative];

    public static TheoryData<ConfigOrigin, ConfigOrigin, bool> Cells()
    {
        var data = new TheoryData<ConfigOrigin, ConfigOrigin, bool>();
        foreach (var (served, cells) in Expected)
        {
            for (var i = 0; i < Incoming.Length; i++)
            {
                data.Add(served, Incoming[i], cells[i] == 'R');
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cells))]
    public void A_tier_replaces_only_what_the_design_says(ConfigOrigin served, ConfigOrigin incoming, bool replaces)
        => Assert.Equal(replaces, TierRules.CanReplace(served, incoming));

    [Fact]
    public void Every_origin_has_a_row()
    {
        foreach (var origin in Enum.GetValues<ConfigOrigin>())
        {
            _ = TierRules.Rank(origin);
            Assert.Contains(origin, TierRules.Order);
        }

        Assert.Equal(Enum.GetValues<ConfigOrigin>().Length, TierRules.Order.Count);
    }

    [Fact]
    public void The_chain_order_is_control_plane_cache_fallback_store_declarative()
    {
        var tiers = TierRules.Order.Where(o => o is not ConfigOrigin.Manual and not ConfigOrigin.Rollback and not ConfigOrigin.None);

        Assert.Equal([ConfigOrigin.ControlPlane, ConfigOrigin.Cache, ConfigOrigin.FallbackStore, ConfigOrigin.Declarative], tiers);
        Assert.True(TierRules.IsLive(ConfigOrigin.ControlPlane));
        Assert.True(TierRules.IsLive(ConfigOrigin.Manual));
        Assert.True(TierRules.IsLive(ConfigOrigin.Rollback));
        Assert.False(TierRules.IsLive(ConfigOrigin.Cache));
        Assert.Equal([ConfigOrigin.Cache, ConfigOrigin.ControlPlane, ConfigOrigin.FallbackStore, ConfigOrigin.Declarative], TierRules.StartupOrder);

        // Equal ranks keep the table's order (the live tiers), and nothing is lost or repeated.
        Assert.Equal([ConfigOrigin.ControlPlane, ConfigOrigin.Manual, ConfigOrigin.Rollback, ConfigOrigin.Cache, ConfigOrigin.FallbackStore, ConfigOrigin.Declarative, ConfigOrigin.None], TierRules.Order);
    }

    [Fact]
    public void The_documented_table_is_the_code_table_row_for_row()
    {
        // docs/architecture.md, "The tier rules": a reader finds every rule there; a change to one side fails here.
        var doc = File.ReadAllLines(Path.Combine(Architecture.FolderLayoutTests.RepositoryRoot(), "docs", "architecture.md"));
        var start = Array.FindIndex(doc, l => l.StartsWith("| origin | start-up step |", StringComparison.Ordinal));
        Assert.True(start >= 0, "docs/architecture.md has no tier rules table");
        var rows = doc.Skip(start + 2).TakeWhile(l => l.StartsWith('|')).Select(l => l.Trim('|').Split('|').Select(c => c.Trim().Trim('`')).ToArray()).ToArray();

        var expected = TierRules.Rows.Where(r => r.Origin != ConfigOrigin.None).Select(r => new[]
        {
            r.Origin.ToString(),
            r.StartupStep == 0 ? "-" : r.StartupStep.ToString(System.Globalization.CultureInfo.InvariantCulture),
            r.Rank.ToString(System.Globalization.CultureInfo.InvariantCulture),
            YesNo(r.IsLive), YesNo(r.IsSigned), YesNo(r.IsCached), YesNo(r.IsExported), YesNo(r.IsKeptInHistory), YesNo(r.IsRevertible),
        }).ToArray();
        Assert.Equal(expected.Select(r => string.Join(" | ", r)), rows.Select(r => string.Join(" | ", r.Take(9))));
    }

    private static string YesNo(bool value) => value ? "yes" : "no";

    [Fact]
    public async Task The_data_plane_follows_the_table_a_start_up_tier_never_replaces_a_manual_apply()
    {
        var options = Options.Create(new DataPlaneResilienceOptions { NodeId = "n", NodeVersion = "1.0.0" });
        using var plane = new DataPlane(new ConfigPreparer(1 << 20, 1 << 24, new()), new JsonOnlyConfigValidator(), (IConfigCache?)null, new NodeIdentityProvider(options), TimeProvider.System, NullLogger<DataPlane>.Instance, null);

        Assert.Equal(ApplyOutcome.Applied, (await plane.ApplyAsync(Doc("yaml", ConfigOrigin.Declarative), default)).Outcome);
        Assert.Equal(ApplyOutcome.Applied, (await plane.ApplyAsync(Doc("store", ConfigOrigin.FallbackStore), default)).Outcome);
        Assert.Equal(ApplyOutcome.Superseded, (await plane.ApplyAsync(Doc("yaml-2", ConfigOrigin.Declarative), default)).Outcome);
        Assert.Equal(ApplyOutcome.Applied, (await plane.ApplyAsync(Doc("manual", ConfigOrigin.Manual), default)).Outcome);
        Assert.Equal(ApplyOutcome.Superseded, (await plane.ApplyAsync(Doc("cache", ConfigOrigin.Cache), default)).Outcome);
        Assert.Equal(ApplyOutcome.Applied, (await plane.ApplyAsync(Doc("cp", ConfigOrigin.ControlPlane), default)).Outcome);

        Assert.Equal("cp", Configs.NameOf(plane.Current));
        Assert.Equal(ConfigOrigin.ControlPlane, plane.State.ServingTier);
    }

    private static ConfigDocument Doc(string name, ConfigOrigin origin) => new(Configs.Json(name), ConfigFormat.Json, origin);
}
