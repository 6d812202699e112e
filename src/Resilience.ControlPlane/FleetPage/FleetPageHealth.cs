namespace Resilience.ControlPlane;

/// <summary>A node's health as the fleet page shows it (what its heartbeats report).</summary>
internal static class FleetPageHealth
{
    public static string Describe(DataPlaneInfo node) => node.IsConnected ? "-" : "unknown";
}
