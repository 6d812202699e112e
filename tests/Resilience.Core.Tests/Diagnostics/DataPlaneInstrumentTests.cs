using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;

namespace Resilience.Tests.Diagnostics;

/// <summary>The chain's instruments on a real host: each published one is known and recorded.</summary>
public sealed class DataPlaneInstrumentTests : IDisposable
{
    /// <summary>
    /// Every instrument of the <c>Resilience.DataPlane</c> meter and the test that asserts it records.
    /// An instrument added to the code without a test here (or elsewhere, named below) fails
    /// <see cref="Every_instrument_a_node_publishes_is_one_this_suite_asserts"/>.
    /// </summary>
    private static readonly Dictionary<string, string> Asserted = new(StringComparer.Ordinal)
    {
        ["resilience.config.applies"] = nameof(Applies_rejections_duration_tier_age_and_link_status_are_recorded),
        ["resilience.config.apply.duration"] = nameof(Applies_rejections_duration_tier_age_and_link_status_are_recorded),
        ["resilience.config.rejections"] = nameof(Applies_rejections_duration_tier_age_and_link_status_are_recorded),
        ["resilience.config.serving_tier"] = nameof(Applies_rejections_duration_tier_age_and_link_status_are_recorded),
        ["resilience.config.age"] = nameof(Applies_rejections_duration_tier_age_and_link_status_are_recorded),
        ["resilience.link.status"] = nameof(Applies_rejections_duration_tier_age_and_link_status_are_recorded),
        ["resilience.cache.write_failures"] = "DataPlaneTests",
        ["resilience.config.rollbacks"] = "HistoryInstrumentTests",
        ["resilience.config.bake"] = "HistoryInstrumentTests",
        ["resilience.history.entries"] = "HistoryInstrumentTests",
        ["resilience.history.write_failures"] = "HistoryInstrumentTests",
        ["resilience.fallback_store.failures"] = "FallbackConfigExporterTests",
        ["resilience.fallback_store.exports"] = "FallbackConfigExporterTests",
        ["resilience.fallback_store.exporter.leader"] = "FallbackConfigExporterTests",
        ["resilience.license.expires_in"] = "LicenseTests",
        ["resilience.license.refused"] = "TelemetryAndLicenseTests (ControlPlane.Tests)",
        ["resilience.link.connect_attempts"] = "EndpointFailoverTests",
        ["resilience.link.connected_endpoint"] = "EndpointFailoverTests",
        ["resilience.link.reconnects"] = "EndpointFailoverTests",
        ["resilience.link.frames_rejected"] = "LinkBehaviourTests (ControlPlane.Tests)",
        ["resilience.telemetry.buffered"] = "TelemetryFlusherTests",
        ["resilience.telemetry.sent"] = "TelemetryFlusherTests",
        ["resilience.telemetry.send_failures"] = "TelemetryFlusherTests",
        ["resilience.telemetry.recorded"] = "TelemetryFlusherTests",
        ["resilience.telemetry.dropped"] = "TelemetryFlusherTests",
        ["resilience.link.push_to_apply.duration"] = "LinkSpanTests (ControlPlane.Tests)",
    };

    private readonly TempDirectory _dir = new();

    [Fact]
    public async Task Every_instrument_a_node_publishes_is_one_this_suite_asserts()
    {
        var storeDir = _dir.Combine("store");
        Directory.CreateDirectory(storeDir);
        var yaml = _dir.Combine("config.yaml");
        await File.WriteAllTextAsync(yaml, Configs.Yaml("instruments"));
        var settings = ChainNode.Settings(_dir, yaml, new Uri(storeDir).AbsoluteUri, import: true);
        settings["Resilience:FallbackStore:Export"] = "true";
        var published = new ConcurrentDictionary<string, bool>(StringComparer.Ordinal);
        IMeterFactory? factory = null;
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, _) =>
            {
                if (instrument.Meter.Name == DataPlaneTelemetry.MeterName && factory is not null && ReferenceEquals(instrument.Meter.Scope, factory))
                {
                    published[instrument.Name] = true;
                }
            },
        };

        await using var node = await ChainNode.StartUnobservedAsync(settings);
        factory = node.Services.GetRequiredService<IMeterFactory>();
        listener.Start(); // publishes the instruments created so far to the callback above
        await node.Startup.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Contains("resilience.config.applies", published.Keys);
        Assert.All(published.Keys, name => Assert.True(Asserted.ContainsKey(name), $"{name} is published but no test asserts it: add one and list it in {nameof(Asserted)}"));
    }

    [Fact]
    public async Task Applies_rejections_duration_tier_age_and_link_status_are_recorded()
    {
        var yaml = _dir.Combine("config.yaml");
        await File.WriteAllTextAsync(yaml, Configs.Yaml("recorded"));
        await using var node = await ChainNode.StartUnobservedAsync(ChainNode.Settings(_dir, yaml));
        var factory = node.Services.GetRequiredService<IMeterFactory>();
        using var applies = new MetricCollector<long>(factory, DataPlaneTelemetry.MeterName, "resilience.config.applies");
        using var duration = new MetricCollector<double>(factory, DataPlaneTelemetry.MeterName, "resilience.config.apply.duration");
        using var rejections = new MetricCollector<long>(factory, DataPlaneTelemetry.MeterName, "resilience.config.rejections");
        using var tier = new MetricCollector<int>(factory, DataPlaneTelemetry.MeterName, "resilience.config.serving_tier");
        using var age = new MetricCollector<double>(factory, DataPlaneTelemetry.MeterName, "resilience.config.age");
        using var link = new MetricCollector<int>(factory, DataPlaneTelemetry.MeterName, "resilience.link.status");
        await node.Startup.WaitAsync(TimeSpan.FromSeconds(30));

        await node.DataPlane.ApplyManualAsync(Configs.Json("manual"), ConfigFormat.Json, CancellationToken.None);
        await node.DataPlane.ApplyManualAsync("{\"name\": oops"u8.ToArray(), ConfigFormat.Json, CancellationToken.None);

        var applied = applies.GetMeasurementSnapshot();
        Assert.Contains(applied, m => Equals(m.Tags["origin"], "Manual") && Equals(m.Tags["outcome"], "Applied") && m.Value == 1);
        Assert.Contains(applied, m => Equals(m.Tags["origin"], "Manual") && Equals(m.Tags["outcome"], "Rejected"));
        Assert.Contains(duration.GetMeasurementSnapshot(), m => Equals(m.Tags["origin"], "Manual") && m.Value >= 0);
        Assert.Contains(rejections.GetMeasurementSnapshot(), m => Equals(m.Tags["origin"], "Manual") && m.Tags["reason"] is string);

        tier.RecordObservableInstruments();
        Assert.Equal((int)ConfigOrigin.Manual, tier.LastMeasurement?.Value);
        age.RecordObservableInstruments();
        Assert.InRange(age.LastMeasurement!.Value, 0, 60);
        link.RecordObservableInstruments();
        Assert.Equal((int)ClusterLinkStatus.NotConfigured, link.LastMeasurement?.Value);
    }

    public void Dispose() => _dir.Dispose();
}
