namespace Resilience.ControlPlane;

/// <summary>
/// Names under which the control-plane hub publishes its telemetry, for an OpenTelemetry set-up
/// (<c>AddMeter(ControlPlaneTelemetry.MeterName)</c>). Instrument names are listed in docs/metrics.md.
/// </summary>
public static class ControlPlaneTelemetry
{
    /// <summary>The name of the <see cref="System.Diagnostics.Metrics.Meter"/> that carries the hub's instruments.</summary>
    public const string MeterName = "Resilience.ControlPlane";

    /// <summary>The name of the <see cref="System.Diagnostics.ActivitySource"/> that starts the control plane's spans (backplane publish and receive).</summary>
    public const string ActivitySourceName = "Resilience.ControlPlane";
}
