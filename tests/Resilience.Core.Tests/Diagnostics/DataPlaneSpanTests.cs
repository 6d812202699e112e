using System.Diagnostics;
using Resilience.Tests.FallbackStore;

namespace Resilience.Tests.Diagnostics;

/// <summary>The spans an OpenTelemetry set-up receives from the data plane's source, over real files and a real host.</summary>
public sealed class DataPlaneSpanTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly SpanCollector _spans = new();

    [Fact]
    public async Task Applies_of_the_declarative_manual_and_cache_tiers_and_the_import_each_have_a_span_with_resilience_tags()
    {
        var name = "spans-" + Guid.NewGuid().ToString("N");
        var storeDir = _dir.Combine("store");
        Directory.CreateDirectory(storeDir);
        var yaml = _dir.Combine("config.yaml");
        await File.WriteAllTextAsync(yaml, Configs.Yaml(name));
        string declarativeHash;
        string manualHash;
        ActivitySpanId rejectedParent;
        await using (var node = await ChainNode.StartAsync(ChainNode.Settings(_dir, yaml, new Uri(storeDir).AbsoluteUri, import: true)))
        {
            declarativeHash = node.DataPlane.Current!.Hash;
            var manual = await node.DataPlane.ApplyManualAsync(Configs.Json(name + "-manual"), ConfigFormat.Json, CancellationToken.None);
            manualHash = manual.Hash!;
            using (var caller = new Activity("test-caller").Start())
            {
                rejectedParent = caller.SpanId;
                var rejected = await node.DataPlane.ApplyManualAsync("{\"name\": oops"u8.ToArray(), ConfigFormat.Json, CancellationToken.None);
                Assert.Equal(ApplyOutcome.Rejected, rejected.Outcome);
            }
        }

        await using (var restarted = await ChainNode.StartAsync(ChainNode.Settings(_dir, yaml)))
        {
            Assert.Equal(ConfigOrigin.Cache, restarted.DataPlane.State.ServingTier);
        }

        var declarative = Assert.Single(_spans.Spans(DataPlaneActivities.Apply, "resilience.config.hash", declarativeHash), s => (string?)s.GetTagItem("resilience.config.origin") == "Declarative");
        Assert.Equal("Applied", declarative.GetTagItem("resilience.config.outcome"));
        Assert.Equal(ActivityStatusCode.Unset, declarative.Status);

        var manualSpans = _spans.Spans(DataPlaneActivities.Apply, "resilience.config.hash", manualHash);
        Assert.Contains(manualSpans, s => (string?)s.GetTagItem("resilience.config.origin") == "Manual" && (string?)s.GetTagItem("resilience.config.outcome") == "Applied");
        var cache = Assert.Single(manualSpans, s => (string?)s.GetTagItem("resilience.config.origin") == "Cache");
        Assert.Equal("Applied", cache.GetTagItem("resilience.config.outcome"));

        // A document that does not parse has no hash; the span is found as the child of the caller's.
        var rejectedSpan = Assert.Single(_spans.Spans(DataPlaneActivities.Apply, s => s.ParentSpanId == rejectedParent));
        Assert.Equal("Manual", rejectedSpan.GetTagItem("resilience.config.origin"));
        Assert.Equal("Rejected", rejectedSpan.GetTagItem("resilience.config.outcome"));
        Assert.Equal(ActivityStatusCode.Error, rejectedSpan.Status);
        Assert.NotNull(rejectedSpan.GetTagItem("resilience.config.rejection_reason"));

        var store = new FileFallbackStore(storeDir).Description;
        var import = Assert.Single(_spans.Spans(DataPlaneActivities.Import, "resilience.fallback_store.description", store));
        Assert.Equal("missing", import.GetTagItem("resilience.import.result"));
        Assert.Equal(FallbackStoreKeys.Config("1.0.0"), import.GetTagItem("resilience.fallback_store.key"));
    }

    [Fact]
    public async Task An_import_that_finds_the_config_and_the_apply_of_the_store_tier_have_spans()
    {
        var storeDir = _dir.Combine("store");
        var payload = Configs.Json("imported-" + Guid.NewGuid().ToString("N"));
        await new FileFallbackStore(storeDir).PutAsync(FallbackStoreKeys.Config("1.0.0"), payload, new Dictionary<string, string> { ["exporter-node-id"] = "node-a" }, default);

        await using var node = await ChainNode.StartAsync(ChainNode.Settings(_dir, null, new Uri(storeDir).AbsoluteUri, import: true));

        var store = new FileFallbackStore(storeDir).Description;
        var import = Assert.Single(_spans.Spans(DataPlaneActivities.Import, "resilience.fallback_store.description", store));
        Assert.Equal("found", import.GetTagItem("resilience.import.result"));
        var apply = Assert.Single(_spans.Spans(DataPlaneActivities.Apply, "resilience.config.hash", ConfigHash.Compute(payload)));
        Assert.Equal("FallbackStore", apply.GetTagItem("resilience.config.origin"));
        Assert.Equal("Applied", apply.GetTagItem("resilience.config.outcome"));
    }

    [Fact]
    public async Task An_export_has_a_span_that_says_it_uploaded_and_an_unreadable_store_gives_an_error_span()
    {
        var interval = TimeSpan.FromSeconds(10);
        var step = TimeSpan.FromSeconds(1);
        await using var harness = new ExporterHarness(interval, TimeSpan.FromSeconds(5), TimeSpan.Zero);
        harness.Start("solo");
        var marker = "export-" + Guid.NewGuid().ToString("N");
        harness.OfferAll(marker);
        var hash = ExporterHarness.Config(marker).Hash;

        await harness.AdvanceUntilAsync(() => _spans.Spans(DataPlaneActivities.Export, "resilience.config.hash", hash).Count == 1, step, interval * 3);

        var export = Assert.Single(_spans.Spans(DataPlaneActivities.Export, "resilience.config.hash", hash));
        Assert.Equal("uploaded", export.GetTagItem("resilience.export.result"));
        Assert.Equal(ExporterHarness.ConfigKey, export.GetTagItem("resilience.fallback_store.key"));
        Assert.Equal(ActivityStatusCode.Unset, export.Status);

        harness.Store.Fail = (op, key) => op == "get" && key == ExporterHarness.ConfigKey ? new FallbackStoreException("store down") { IsTransient = true } : null;
        var failedMarker = "export-failed-" + Guid.NewGuid().ToString("N");
        harness.OfferAll(failedMarker);
        var failedHash = ExporterHarness.Config(failedMarker).Hash;
        await harness.AdvanceUntilAsync(() => _spans.Spans(DataPlaneActivities.Export, "resilience.config.hash", failedHash).Count > 0, step, interval * 3);

        var failed = _spans.Spans(DataPlaneActivities.Export, "resilience.config.hash", failedHash)[0];
        Assert.Equal(ActivityStatusCode.Error, failed.Status);
        Assert.Equal(typeof(FallbackStoreException).FullName, failed.GetTagItem("error.type"));
    }

    public void Dispose()
    {
        _spans.Dispose();
        _dir.Dispose();
    }
}
