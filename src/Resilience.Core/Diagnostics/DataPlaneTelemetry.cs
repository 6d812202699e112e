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
}
