using Microsoft.Extensions.Diagnostics.Metrics.Testing;

namespace Resilience.Tests.FallbackStore;

public sealed class FallbackConfigExporterTests
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan Grace = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan Step = TimeSpan.FromSeconds(1);

    [Fact]
    public async Task Three_exporters_exactly_one_uploads_the_config()
    {
        await using var harness = new ExporterHarness(Interval, Grace, TimeSpan.Zero);
        harness.Start("node-c");
        harness.Start("node-a");
        harness.Start("node-b");
        harness.OfferAll("v1");

        await harness.AdvanceAsync(Interval * 5, Step);

        var upload = Assert.Single(harness.Store.Puts, p => p.Key == ExporterHarness.ConfigKey);
        Assert.Equal("node-a", upload.NodeId);
        Assert.True(harness["node-a"].IsLeader);
        Assert.False(harness["node-b"].IsLeader);
        Assert.False(harness["node-c"].IsLeader);
        Assert.NotNull(harness.Store.Peek(FallbackStoreKeys.Election(ExporterHarness.Version, "node-c")));
    }

    [Fact]
    public async Task The_upload_carries_the_exporter_node_id_and_the_hash()
    {
        await using var harness = new ExporterHarness(Interval, Grace, TimeSpan.Zero);
        harness.Start("solo");
        harness.OfferAll("v1");

        await harness.AdvanceUntilAsync(() => harness.Store.Peek(ExporterHarness.ConfigKey) is not null, Step, Interval * 2);

        var stored = harness.Store.Peek(ExporterHarness.ConfigKey)!;
        var (payload, hash) = ExporterHarness.Config("v1");
        Assert.Equal(payload, stored.Content.ToArray());
        Assert.Equal("solo", stored.Metadata[FallbackImporter.ExporterMetadataKey]);
        Assert.Equal(hash, stored.Metadata["config-hash"]);
    }

    [Fact]
    public async Task A_node_does_not_lead_before_its_registration_is_one_interval_old_and_its_claim_has_stood_for_the_grace()
    {
        await using var harness = new ExporterHarness(Interval, Grace, TimeSpan.Zero);
        var exporter = harness.Start("solo");
        harness.OfferAll("v1");

        await harness.AdvanceAsync(Interval + Grace - Step, Step);
        Assert.False(exporter.IsLeader);
        Assert.Equal(0, harness.Store.PutCount(ExporterHarness.ConfigKey));

        var took = await harness.AdvanceUntilAsync(() => harness.Store.PutCount(ExporterHarness.ConfigKey) == 1, Step, Interval);
        Assert.True(took <= Step, $"took {took}");
        Assert.True(exporter.IsLeader);
    }

    [Fact]
    public async Task Leader_crashed_another_node_exports_within_interval_plus_twice_the_grace()
    {
        await using var harness = new ExporterHarness(Interval, Grace, TimeSpan.Zero);
        harness.Start("node-a");
        harness.Start("node-b");
        harness.Start("node-c");
        harness.OfferAll("v1");
        await harness.AdvanceUntilAsync(() => harness.Store.PutCount(ExporterHarness.ConfigKey) == 1, Step, Interval * 3);

        await harness.AdvanceAsync(TimeSpan.FromSeconds(3), Step);
        await harness.CrashAsync("node-a");
        harness.OfferAll("v2");
        var took = await harness.AdvanceUntilAsync(
            () => harness.Store.Puts.Count(p => p.Key == ExporterHarness.ConfigKey) == 2,
            TimeSpan.FromMilliseconds(250),
            Interval * 3);

        // Stale after interval + grace; the successor's claim then stands for the grace before it exports.
        Assert.True(took <= Interval + Grace + Grace, $"takeover took {took}");
        Assert.Equal("node-b", harness.Store.Puts.Last(p => p.Key == ExporterHarness.ConfigKey).NodeId);
        Assert.Equal(ExporterHarness.Config("v2").Payload, harness.Store.Peek(ExporterHarness.ConfigKey)!.Content.ToArray());
        Assert.True(harness["node-b"].IsLeader);
        Assert.False(harness["node-c"].IsLeader);

        await harness.AdvanceAsync(Interval * 3, Step);
        Assert.Equal(2, harness.Store.PutCount(ExporterHarness.ConfigKey));
    }

    [Fact]
    public async Task Leader_stopped_gracefully_another_node_exports_within_interval_plus_grace()
    {
        await using var harness = new ExporterHarness(Interval, Grace, TimeSpan.Zero);
        harness.Start("node-a");
        harness.Start("node-b");
        harness.OfferAll("v1");
        await harness.AdvanceUntilAsync(() => harness.Store.PutCount(ExporterHarness.ConfigKey) == 1, Step, Interval * 3);

        await harness.StopAsync("node-a");
        harness.OfferAll("v2");
        var took = await harness.AdvanceUntilAsync(() => harness.Store.PutCount(ExporterHarness.ConfigKey) == 2, TimeSpan.FromMilliseconds(250), Interval * 3);

        Assert.True(took <= Interval + Grace, $"takeover took {took}");
        Assert.Equal("node-b", harness.Store.Puts.Last(p => p.Key == ExporterHarness.ConfigKey).NodeId);
    }

    [Fact]
    public async Task A_gracefully_stopped_leader_withdraws_its_registration()
    {
        await using var harness = new ExporterHarness(Interval, Grace, TimeSpan.Zero);
        var exporter = harness.Start("node-a");
        await harness.AdvanceAsync(Interval, Step);
        Assert.NotNull(harness.Store.Peek(FallbackStoreKeys.Election(ExporterHarness.Version, "node-a")));

        await harness.CrashAsync("node-a");
        await exporter.ResignAsync(CancellationToken.None);

        Assert.Null(harness.Store.Peek(FallbackStoreKeys.Election(ExporterHarness.Version, "node-a")));
    }

    [Fact]
    public async Task Export_waits_for_changes_to_settle_and_uploads_only_the_latest()
    {
        var delay = TimeSpan.FromSeconds(10);
        await using var harness = new ExporterHarness(Interval, Grace, delay);
        var exporter = harness.Start("solo");
        await harness.AdvanceUntilAsync(() => exporter.IsLeader, Step, Interval * 2);

        harness.OfferAll("v1");
        await harness.AdvanceAsync(TimeSpan.FromSeconds(5), Step);
        harness.OfferAll("v2");
        await harness.AdvanceAsync(delay - Step, Step);
        Assert.Equal(0, harness.Store.PutCount(ExporterHarness.ConfigKey));

        await harness.AdvanceAsync(Step, Step);

        Assert.Equal(1, harness.Store.PutCount(ExporterHarness.ConfigKey));
        Assert.Equal(ExporterHarness.Config("v2").Payload, harness.Store.Peek(ExporterHarness.ConfigKey)!.Content.ToArray());
    }

    [Fact]
    public async Task The_same_hash_is_not_exported_twice()
    {
        await using var harness = new ExporterHarness(Interval, Grace, TimeSpan.Zero);
        harness.Start("solo");
        harness.OfferAll("v1");
        await harness.AdvanceUntilAsync(() => harness.Store.PutCount(ExporterHarness.ConfigKey) == 1, Step, Interval * 2);

        harness.OfferAll("v1");
        await harness.AdvanceAsync(Interval * 3, Step);

        Assert.Equal(1, harness.Store.PutCount(ExporterHarness.ConfigKey));
    }

    [Fact]
    public async Task A_config_the_store_already_holds_is_not_exported_back()
    {
        await using var harness = new ExporterHarness(Interval, Grace, TimeSpan.Zero);
        var (payload, _) = ExporterHarness.Config("imported");
        await harness.Store.PutAsync(ExporterHarness.ConfigKey, payload, new Dictionary<string, string> { [FallbackImporter.ExporterMetadataKey] = "elsewhere" }, CancellationToken.None);
        var exporter = harness.Start("solo");
        harness.OfferAll("imported");

        await harness.AdvanceAsync(Interval * 3, Step);

        Assert.True(exporter.IsLeader);
        Assert.Equal("elsewhere", Assert.Single(harness.Store.Puts, p => p.Key == ExporterHarness.ConfigKey).NodeId);
    }

    [Fact]
    public async Task A_failed_election_round_stops_exporting_until_a_round_succeeds()
    {
        await using var harness = new ExporterHarness(Interval, Grace, TimeSpan.Zero);
        var exporter = harness.Start("solo");
        await harness.AdvanceUntilAsync(() => exporter.IsLeader, Step, Interval * 2);

        harness.Store.Fail = (op, _) => op == "list" ? new FallbackStoreException("store down") { IsTransient = true } : null;
        await harness.AdvanceAsync(Interval, Step);
        Assert.False(exporter.IsLeader);
        harness.OfferAll("v1");
        await harness.AdvanceAsync(Interval, Step);
        Assert.Equal(0, harness.Store.PutCount(ExporterHarness.ConfigKey));

        harness.Store.Fail = null;
        await harness.AdvanceUntilAsync(() => harness.Store.PutCount(ExporterHarness.ConfigKey) == 1, Step, Interval * 2);
        Assert.True(exporter.IsLeader);
    }

    [Fact]
    public async Task A_failed_upload_is_retried_on_the_next_round()
    {
        await using var harness = new ExporterHarness(Interval, Grace, TimeSpan.Zero);
        var exporter = harness.Start("solo");
        await harness.AdvanceUntilAsync(() => exporter.IsLeader, Step, Interval * 2);
        var failures = 0;
        harness.Store.Fail = (op, key) => op == "put" && key == ExporterHarness.ConfigKey && failures++ == 0 ? new FallbackStoreException("503") { IsTransient = true } : null;

        harness.OfferAll("v1");
        var took = await harness.AdvanceUntilAsync(() => harness.Store.PutCount(ExporterHarness.ConfigKey) == 1, Step, Interval * 2);

        Assert.Equal(1, failures - 1);
        Assert.True(took <= Interval, $"retry took {took}");
    }

    [Fact]
    public async Task Offers_to_a_follower_are_never_uploaded()
    {
        await using var harness = new ExporterHarness(Interval, Grace, TimeSpan.Zero);
        harness.Start("node-a");
        var follower = harness.Start("node-b");
        await harness.AdvanceAsync(Interval * 2, Step);

        var (payload, _) = ExporterHarness.Config("only-b");
        follower.Offer(payload);
        await harness.AdvanceAsync(Interval * 3, Step);

        Assert.Equal(0, harness.Store.PutCount(ExporterHarness.ConfigKey));
    }

    [Fact]
    public async Task Exports_leadership_and_store_failures_are_measured()
    {
        await using var harness = new ExporterHarness(Interval, Grace, TimeSpan.Zero);
        using var exports = new MetricCollector<long>(null, harness.MeterName, "resilience.fallback_store.exports");
        using var leader = new MetricCollector<int>(null, harness.MeterName, "resilience.fallback_store.exporter.leader");
        using var failures = new MetricCollector<long>(null, harness.MeterName, "resilience.fallback_store.failures");
        var exporter = harness.Start("solo");
        harness.OfferAll("v1");

        await harness.AdvanceUntilAsync(() => harness.Store.PutCount(ExporterHarness.ConfigKey) == 1, Step, Interval * 2);
        leader.RecordObservableInstruments();
        Assert.Equal(1, exports.GetMeasurementSnapshot().EvaluateAsCounter());
        Assert.Equal(1, leader.LastMeasurement?.Value);

        harness.Store.Fail = (op, _) => op == "list" ? new FallbackStoreException("down") { IsTransient = true } : null;
        await harness.AdvanceUntilAsync(() => !exporter.IsLeader, Step, Interval * 2);
        leader.RecordObservableInstruments();
        Assert.Equal(0, leader.LastMeasurement?.Value);
        Assert.Contains(failures.GetMeasurementSnapshot(), m => (string?)m.Tags["operation"] == "election-list");
    }

    [Theory]
    [InlineData(ConfigOrigin.ControlPlane, ConfigOrigin.ControlPlane, true)]
    [InlineData(ConfigOrigin.Cache, ConfigOrigin.ControlPlane, true)]
    [InlineData(ConfigOrigin.Cache, ConfigOrigin.Cache, false)]
    [InlineData(ConfigOrigin.Declarative, ConfigOrigin.Declarative, false)]
    [InlineData(ConfigOrigin.FallbackStore, ConfigOrigin.FallbackStore, false)]
    [InlineData(ConfigOrigin.Manual, ConfigOrigin.Manual, false)]
    public void Only_configurations_the_control_plane_delivered_are_exported(ConfigOrigin snapshotOrigin, ConfigOrigin servingTier, bool exported)
    {
        var snapshot = new ConfigSnapshot("{}"u8.ToArray(), ConfigHash.Compute("{}"u8), snapshotOrigin, DateTimeOffset.UnixEpoch);

        Assert.Equal(exported, ConfigExportService.IsExportable(snapshot, new DataPlaneState { ServingTier = servingTier }));
    }
}
