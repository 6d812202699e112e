namespace Resilience;

/// <summary>
/// Names under which the data plane publishes its telemetry, for an OpenTelemetry set-up
/// (<c>AddMeter(DataPlaneTelemetry.MeterName)</c>, <c>AddSource(DataPlaneTelemetry.ActivitySourceName)</c>).
/// Instrument, span and tag names are listed in docs/metrics.md.
/// </summary>
public static class DataPlaneTelemetry
{
    /// <summary>The name of the <see cref="System.Diagnostics.Metrics.Meter"/> that carries the data plane's instruments.</summary>
    public const string MeterName = "Resilience.DataPlane";

    /// <summary>The name of the <see cref="System.Diagnostics.ActivitySource"/> that starts the data plane's spans (apply, import, export, link connect).</summary>
    public const string ActivitySourceName = "Resilience.DataPlane";

    /// <summary>
    /// Gets the bucket boundaries, in seconds, of every duration histogram of the Resilience packages (0.5 ms to
    /// 60 s: a small configuration applies in well under a millisecond once warm, a large one with YARP's validators
    /// in seconds). On .NET 9 and later the histograms carry them as <c>InstrumentAdvice</c>, which OpenTelemetry
    /// uses without configuration; a net8.0 host passes them to a view (docs/metrics.md).
    /// </summary>
    public static IReadOnlyList<double> DurationBucketBoundaries { get; } =
        Array.AsReadOnly(new[] { 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60 });
}
