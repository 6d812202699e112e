using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry;
using OpenTelemetry.Metrics;

namespace Resilience.Yarp.Tests;

/// <summary>
/// Every duration histogram is in seconds and advises its buckets: OpenTelemetry exports them with
/// <see cref="DataPlaneTelemetry.DurationBucketBoundaries"/>, not its millisecond defaults (0, 5, 10, ... 10000),
/// under which every apply lands in the first bucket.
/// </summary>
public sealed class HistogramBucketTests : IDisposable
{
    private static readonly string[] DurationHistograms = ["resilience.config.apply.duration", "resilience.link.push_to_apply.duration", "resilience.yarp.routing.lag"];

    private readonly TempDirectory _dir = new();

    [Fact]
    public async Task A_push_exports_apply_push_to_apply_and_routing_lag_with_the_advised_second_buckets()
    {
        var exported = new List<MetricSnapshot>();
        await using var upstream = await Upstream.StartAsync("upstream-a");
        await using var controlPlane = await ControlPlane.StartAsync();
        await using var gateway = await Gateway.StartAsync(
            _dir.File("data"),
            resilience: controlPlane.Link,
            configureServices: services => services.AddOpenTelemetry().WithMetrics(metrics => metrics
                .AddMeter(DataPlaneTelemetry.MeterName, YarpTelemetry.MeterName)
                .AddInMemoryExporter(exported)));

        var published = await controlPlane.PublishAsync(ProxyConfigs.CatchAll(upstream.Url));
        await Eventually.HoldsAsync(async () => await gateway.GetAsync("/x") == "upstream-a", "routing the pushed configuration");
        await Eventually.HoldsAsync(
            () => Task.FromResult(gateway.Services.GetRequiredService<AppliedProxyRevision>().Current == published.Hash),
            "YARP reporting the pushed configuration applied (the routing lag is recorded then)");

        Assert.True(gateway.Services.GetRequiredService<MeterProvider>().ForceFlush(10_000), "the in-memory exporter did not flush");
        foreach (var name in DurationHistograms)
        {
            var metric = exported.LastOrDefault(m => m.Name == name);
            Assert.True(metric is not null, $"{name} was not exported (exported: {string.Join(", ", exported.Select(m => m.Name).Distinct())})");
            Assert.Equal("s", metric.Unit);
            Assert.Equal(MetricType.Histogram, metric.MetricType);
            var count = 0L;
            foreach (var point in metric.MetricPoints)
            {
                var bounds = new List<double>();
                var seconds = point.GetHistogramSum();
                foreach (var bucket in point.GetHistogramBuckets())
                {
                    bounds.Add(bucket.ExplicitBound);
                }

                // The last bucket is the overflow (+Inf); every other bound is one the package advised.
                Assert.Equal(double.PositiveInfinity, bounds[^1]);
                Assert.Equal(DataPlaneTelemetry.DurationBucketBoundaries, bounds[..^1]);
                Assert.True(seconds < 60, $"{name}: {seconds} s recorded; a value in milliseconds?");
                count += point.GetHistogramCount();
            }

            Assert.True(count >= 1, $"{name}: nothing recorded");
        }
    }

    [Fact]
    public async Task Every_histogram_of_every_Resilience_meter_carries_the_bucket_advice()
    {
        await using var upstream = await Upstream.StartAsync("upstream-a");
        await using var controlPlane = await ControlPlane.StartAsync();
        await using var gateway = await Gateway.StartAsync(_dir.File("data"), resilience: controlPlane.Link);
        await controlPlane.PublishAsync(ProxyConfigs.CatchAll(upstream.Url));
        await Eventually.HoldsAsync(async () => await gateway.GetAsync("/x") == "upstream-a", "routing the pushed configuration");

        // A listener hears of every instrument already created (the gateway's and the in-process control plane's).
        var histograms = new List<Instrument>();
        using (var listener = new MeterListener())
        {
            listener.InstrumentPublished = (instrument, _) =>
            {
                if (instrument.Meter.Name.StartsWith("Resilience.", StringComparison.Ordinal) && instrument.GetType().Name.StartsWith("Histogram", StringComparison.Ordinal))
                {
                    lock (histograms)
                    {
                        histograms.Add(instrument);
                    }
                }
            };
            listener.Start();
        }

        Assert.Superset(DurationHistograms.ToHashSet(), histograms.Select(h => h.Name).ToHashSet());
        foreach (var histogram in histograms)
        {
            var advice = Assert.IsType<Histogram<double>>(histogram).Advice;
            Assert.True(advice?.HistogramBucketBoundaries is not null, $"{histogram.Meter.Name}/{histogram.Name} advises no buckets");
            Assert.Equal("s", histogram.Unit);
            Assert.Equal(DataPlaneTelemetry.DurationBucketBoundaries, advice.HistogramBucketBoundaries);
        }
    }

    [Fact]
    public void The_view_documented_for_net8_gives_the_same_buckets_to_a_histogram_without_advice()
    {
        // A net8.0 build of the packages cannot advise (the runtime's API arrived in .NET 9): its histograms look like
        // this one. The view is the one docs/metrics.md gives, word for word.
        using var meter = new Meter(DataPlaneTelemetry.MeterName + ".Net8ViewTest");
        var histogram = meter.CreateHistogram<double>("resilience.config.apply.duration", "s");
        var exported = new List<MetricSnapshot>();
        using (var provider = Sdk.CreateMeterProviderBuilder()
            .AddMeter(meter.Name)
            .AddView(instrument => instrument.Meter.Name.StartsWith("Resilience.", StringComparison.Ordinal) && instrument.Unit == "s"
                ? new ExplicitBucketHistogramConfiguration { Boundaries = [.. DataPlaneTelemetry.DurationBucketBoundaries] }
                : null)
            .AddInMemoryExporter(exported)
            .Build())
        {
            histogram.Record(0.0031);
            provider.ForceFlush();
        }

        var point = Assert.Single(exported.Last(m => m.Name == histogram.Name).MetricPoints);
        var buckets = new List<(double Bound, long Count)>();
        foreach (var bucket in point.GetHistogramBuckets())
        {
            buckets.Add((bucket.ExplicitBound, bucket.BucketCount));
        }

        Assert.Equal([.. DataPlaneTelemetry.DurationBucketBoundaries, double.PositiveInfinity], buckets.Select(b => b.Bound));
        Assert.Equal(0.005, buckets.Single(b => b.Count == 1).Bound); // 3.1 ms: the (2.5 ms, 5 ms] bucket
    }

    public void Dispose() => _dir.Dispose();
}
