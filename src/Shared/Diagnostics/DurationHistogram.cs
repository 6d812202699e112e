using System.Diagnostics.Metrics;

namespace Resilience;

/// <summary>
/// Creates the packages' duration histograms (unit <c>s</c>) with explicit bucket advice, so an exporter does not
/// fall back to its millisecond defaults (OpenTelemetry's 0, 5, 10, ... 10000 would put every apply in the first
/// bucket). The runtime's advice API arrived in .NET 9: a net8.0 build creates the histogram without it, and the
/// host adds the view documented in docs/metrics.md with the same <see cref="DataPlaneTelemetry.DurationBucketBoundaries"/>.
/// </summary>
internal static class DurationHistogram
{
    public static Histogram<double> Create(Meter meter, string name, string description) =>
#if NET9_0_OR_GREATER
        meter.CreateHistogram(name, "s", description, tags: null, new InstrumentAdvice<double> { HistogramBucketBoundaries = DataPlaneTelemetry.DurationBucketBoundaries });
#else
        meter.CreateHistogram<double>(name, "s", description);
#endif
}
