using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Resilience.Tests.Chain;

/// <summary>The precedence table: who may replace whom, written out here as the design states it, cell by cell.</summary>
public sealed class TierPrecedenceTests
{
    /// <summary>
    /// Rows: what is served; columns: what arrives (CP, Manual, Cache, Store, Yaml). "R": replaces, "-": superseded.
    /// Live tiers always replace; start-up tiers replace nothing live and only a start-up tier of their rank or below.
    /// </summary>
    private static readonly (ConfigOrigin Served, string Cells)[] Expected =
    [
        (ConfigOrigin.None, "RRRRR"),
        (ConfigOrigin.ControlPlane, "RR---"),
        (ConfigOrigin.Manual, "RR---"),
        (ConfigOrigin.Cache, "RRR--"),
        (ConfigOrigin.FallbackStore, "RRRR-"),
        (ConfigOrigin.Declarative, "RRRRR"),
    ];

    private static readonly ConfigOrigin[] Incoming = [ConfigOrigin.ControlPlane, ConfigOrigin.Manual, ConfigOrigin.Cache, ConfigOrigin.FallbackStore, ConfigOrigin.Declarative];

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
        => Assert.Equal(replaces, TierPrecedence.CanReplace(served, incoming));

    [Fact]
    public void Every_origin_has_a_row()
    {
        foreach (var origin in Enum.GetValues<ConfigOrigin>())
        {
            _ = TierPrecedence.Rank(origin);
            Assert.Contains(origin, TierPrecedence.Order);
        }

        Assert.Equal(Enum.GetValues<ConfigOrigin>().Length, TierPrecedence.Order.Count);
    }

    [Fact]
    public void The_chain_order_is_control_plane_cache_fallback_store_declarative()
    {
        var tiers = TierPrecedence.Order.Where(o => o is not ConfigOrigin.Manual and not ConfigOrigin.None);

        Assert.Equal([ConfigOrigin.ControlPlane, ConfigOrigin.Cache, ConfigOrigin.FallbackStore, ConfigOrigin.Declarative], tiers);
        Assert.True(TierPrecedence.IsLive(ConfigOrigin.ControlPlane));
        Assert.True(TierPrecedence.IsLive(ConfigOrigin.Manual));
        Assert.False(TierPrecedence.IsLive(ConfigOrigin.Cache));
    }

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
