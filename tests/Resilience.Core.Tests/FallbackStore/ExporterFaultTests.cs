using Microsoft.Extensions.Logging.Testing;

namespace Resilience.Tests.FallbackStore;

/// <summary>
/// Issue 11, defect 3: at most one upload per change across the group when a store call stalls past the
/// grace, when the leader freezes (SIGSTOP) for 8 s and when the store is out for 8 s. Three exporters share
/// one store on one fake clock; every change is counted by its config-hash metadata.
/// </summary>
public sealed class ExporterFaultTests
{
    // Freshness (interval + grace) 3 s: an 8 s freeze or outage makes every registration stale.
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan Grace = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan Step = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan Eight = TimeSpan.FromSeconds(8);
    private static readonly TimeSpan Plenty = TimeSpan.FromSeconds(60);

    [Theory]
    [InlineData("list")]
    [InlineData("put")]
    [InlineData("get")]
    public async Task A_leader_whose_election_call_stalls_past_the_grace_does_not_upload_a_change_again(string operation)
    {
        await using var harness = await ThreeExportersWithV1Async(conditional: false);
        var leader = Assert.Single(harness.Leaders);
        if (operation == "get")
        {
            // The other nodes' registrations are read every round.
            harness.StoreOf(leader).StallNext((op, key) => op == "get" && key.Contains("/election/", StringComparison.Ordinal) && !key.EndsWith(leader, StringComparison.Ordinal));
        }
        else
        {
            harness.StoreOf(leader).StallNext((op, key) => op == operation && key.Contains("/election", StringComparison.Ordinal));
        }

        await harness.AdvanceUntilAsync(() => harness.StoreOf(leader).IsStalled, Step, Plenty);
        harness.OfferAll("v2");
        await harness.AdvanceUntilAsync(() => harness.UploadsPerChange.ContainsKey(Hash("v2")), Step, Plenty);
        await harness.AdvanceAsync(TimeSpan.FromSeconds(20), Step);

        // The stalled call returns long after the grace, with what it saw (or wrote) back then.
        harness.StoreOf(leader).Release();
        await harness.AdvanceAsync(TimeSpan.FromSeconds(30), Step);
        harness.OfferAll("v3");
        await harness.AdvanceUntilAsync(() => harness.UploadsPerChange.ContainsKey(Hash("v3")), Step, Plenty);
        await harness.AdvanceAsync(TimeSpan.FromSeconds(30), Step);

        AssertOneUploadPerChange(harness, "v1", "v2", "v3");
        Assert.Single(harness.Leaders);
    }

    [Fact]
    public async Task A_leader_whose_hash_check_stalls_past_the_grace_does_not_upload_on_that_round()
    {
        await using var harness = await ThreeExportersWithV1Async(conditional: false);
        var leader = Assert.Single(harness.Leaders);
        harness.StoreOf(leader).StallNext((op, key) => op == "get" && key == ExporterHarness.ConfigKey);
        harness.OfferAll("v2");
        await harness.AdvanceUntilAsync(() => harness.StoreOf(leader).IsStalled, Step, Plenty);

        // Let the grace pass while the read hangs; then it returns "v1 is stored".
        await harness.AdvanceAsync(Grace + Step, Step);
        harness.StoreOf(leader).Release();
        await harness.SettleAsync();
        Assert.False(harness.UploadsPerChange.ContainsKey(Hash("v2")), "uploaded v2 on a round that took longer than the grace");

        await harness.AdvanceUntilAsync(() => harness.UploadsPerChange.ContainsKey(Hash("v2")), Step, Plenty);
        await harness.AdvanceAsync(TimeSpan.FromSeconds(30), Step);
        AssertOneUploadPerChange(harness, "v1", "v2");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_leader_frozen_for_8_s_does_not_take_the_lead_back_or_upload_again(bool conditional)
    {
        await using var harness = await ThreeExportersWithV1Async(conditional);
        var frozen = Assert.Single(harness.Leaders);
        var others = harness.NodeIds.Where(n => n != frozen).ToArray();

        harness.Freeze(frozen);
        harness.Offer("v2", others);
        await harness.AdvanceAsync(Eight, Step);
        var successor = Assert.Single(harness.Leaders, l => l != frozen);

        // SIGCONT; the control plane re-sends the current config to the resumed node.
        harness.Thaw(frozen);
        harness.Offer("v2", frozen);
        await harness.AdvanceCheckingAsync(TimeSpan.FromSeconds(30), Step, () => Assert.DoesNotContain(frozen, harness.Leaders));
        harness.OfferAll("v3");
        await harness.AdvanceCheckingAsync(TimeSpan.FromSeconds(30), Step, () => Assert.Equal([successor], harness.Leaders));

        AssertOneUploadPerChange(harness, "v1", "v2", "v3");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task After_an_8_s_store_outage_the_incumbent_keeps_the_lead_and_each_change_is_uploaded_once(bool conditional)
    {
        await using var harness = await ThreeExportersWithV1Async(conditional);
        var incumbent = Assert.Single(harness.Leaders);

        harness.Store.Fail = (_, _) => new FallbackStoreException("store unreachable") { IsTransient = true };
        harness.OfferAll("v2");
        await harness.AdvanceAsync(Eight, Step);
        harness.Store.Fail = null;

        // No other node leads, not for a moment, after the store comes back.
        await harness.AdvanceCheckingAsync(TimeSpan.FromSeconds(30), Step, () => Assert.All(harness.Leaders, l => Assert.Equal(incumbent, l)));
        Assert.Equal([incumbent], harness.Leaders);
        harness.OfferAll("v3");
        await harness.AdvanceCheckingAsync(TimeSpan.FromSeconds(30), Step, () => Assert.Equal([incumbent], harness.Leaders));

        AssertOneUploadPerChange(harness, "v1", "v2", "v3");
        Assert.All(harness.Store.Puts.Where(p => p.Key == ExporterHarness.ConfigKey), p => Assert.Equal(incumbent, p.NodeId));
    }

    [Fact]
    public async Task A_stale_registration_that_cannot_be_read_does_not_stop_a_takeover()
    {
        await using var harness = await ThreeExportersWithV1Async(conditional: false);
        var leader = Assert.Single(harness.Leaders);

        // Killed mid-upload: the store keeps an object that fails its checksum on every read.
        await harness.CrashAsync(leader);
        var broken = FallbackStoreKeys.Election(ExporterHarness.Version, leader);
        harness.Store.Fail = (op, key) => op == "get" && key == broken ? new FallbackStoreException("Expected hash not equal to calculated hash") : null;
        harness.OfferAll("v2");

        await harness.AdvanceUntilAsync(() => harness.UploadsPerChange.ContainsKey(Hash("v2")), Step, Plenty);
        await harness.AdvanceAsync(TimeSpan.FromSeconds(10), Step);
        AssertOneUploadPerChange(harness, "v1", "v2");
        Assert.Single(harness.Leaders);
    }

    [Fact]
    public async Task A_conditional_write_that_loses_the_race_is_not_an_error_and_is_not_repeated()
    {
        await using var harness = new ExporterHarness(Interval, Grace, TimeSpan.Zero, conditional: true);
        var logger = new FakeLogger();
        var exporter = harness.Start("solo", logger);
        await harness.AdvanceUntilAsync(() => exporter.IsLeader, Step, Plenty);

        // Between the exporter's hash check (nothing stored) and its write, another exporter stores the same change.
        var (payload, hash) = ExporterHarness.Config("v1");
        var raced = 0;
        harness.StoreOf("solo").AfterGet = async key =>
        {
            if (key == ExporterHarness.ConfigKey && Interlocked.Increment(ref raced) == 1)
            {
                await harness.Store.PutAsync(
                    ExporterHarness.ConfigKey,
                    payload,
                    new Dictionary<string, string> { [FallbackImporter.ExporterMetadataKey] = "rival", [ExportConstants.ConfigHashMetadataKey] = hash },
                    CancellationToken.None);
            }
        };
        harness.OfferAll("v1");
        await harness.AdvanceAsync(TimeSpan.FromSeconds(20), Step);

        Assert.True(raced >= 2, "the exporter read the stored config again after losing the race");
        Assert.Contains(logger.Collector.GetSnapshot(), r => r.Id.Id == 3114);
        Assert.Equal("rival", Assert.Single(harness.Store.Puts, p => p.Key == ExporterHarness.ConfigKey).NodeId);
        Assert.Contains(logger.Collector.GetSnapshot(), r => r.Id.Id == 3106); // read back: the store holds the hash, nothing to upload
        Assert.DoesNotContain(logger.Collector.GetSnapshot(), r => r.Level >= Microsoft.Extensions.Logging.LogLevel.Warning);
    }

    [Fact]
    public async Task A_graceful_stop_does_not_name_the_stopping_node_as_the_leader()
    {
        await using var harness = new ExporterHarness(Interval, Grace, TimeSpan.Zero);
        var logger = new FakeLogger();
        var exporter = harness.Start("solo", logger);
        await harness.AdvanceUntilAsync(() => exporter.IsLeader, Step, Plenty);

        await harness.StopAsync("solo");

        var demotions = logger.Collector.GetSnapshot().Where(r => r.Id.Id == 3101).ToList();
        Assert.All(demotions, r => Assert.DoesNotContain(r.StructuredState!, kv => kv.Key == "Leader" && kv.Value == "solo"));
        Assert.Contains(logger.Collector.GetSnapshot(), r => r.Id.Id == 3112);
    }

    private static string Hash(string marker) => ExporterHarness.Config(marker).Hash;

    private static async Task<ExporterHarness> ThreeExportersWithV1Async(bool conditional)
    {
        var harness = new ExporterHarness(Interval, Grace, TimeSpan.Zero, conditional);
        harness.Start("node-a");
        harness.Start("node-b");
        harness.Start("node-c");
        harness.OfferAll("v1");
        await harness.AdvanceUntilAsync(() => harness.UploadsPerChange.ContainsKey(Hash("v1")), Step, Plenty);
        await harness.AdvanceAsync(TimeSpan.FromSeconds(10), Step);
        return harness;
    }

    private static void AssertOneUploadPerChange(ExporterHarness harness, params string[] markers)
    {
        var uploads = harness.UploadsPerChange;
        var described = string.Join(", ", harness.Store.Puts.Where(p => p.Key == ExporterHarness.ConfigKey).Select(p => $"{p.NodeId}:{p.Hash?[..8]}"));
        Assert.True(uploads.Count == markers.Length, $"uploads: {described}");
        foreach (var marker in markers)
        {
            Assert.True(uploads.TryGetValue(Hash(marker), out var count) && count == 1, $"{marker}: {(uploads.TryGetValue(Hash(marker), out var c) ? c : 0)} upload(s); all: {described}");
        }
    }
}
