namespace Resilience.Yarp;

/// <summary>
/// Names under which the YARP integration publishes its telemetry, for an OpenTelemetry set-up
/// (<c>AddMeter(YarpTelemetry.MeterName)</c>). Instrument names are listed in docs/metrics.md.
/// </summary>
public static class YarpTelemetry
{
    /// <summary>The name of the <see cref="System.Diagnostics.Metrics.Meter"/> that carries the integration's instruments.</summary>
    public const string MeterName = "Resilience.Yarp";
}
