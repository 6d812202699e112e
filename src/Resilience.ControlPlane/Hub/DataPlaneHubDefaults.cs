namespace Resilience.ControlPlane;

/// <summary>The hub's defaults in one place.</summary>
internal static class DataPlaneHubDefaults
{
    public const long MaxMessageBytes = 16L * 1024 * 1024;
    public const long MaxTelemetryDecompressedBytes = 64L * 1024 * 1024;
    public const string MeterName = ControlPlaneTelemetry.MeterName;
    public const int TelemetryQueueCapacity = 16;
    public static readonly TimeSpan HelloTimeout = TimeSpan.FromSeconds(10);
    public static readonly TimeSpan DataPlaneTimeout = TimeSpan.FromSeconds(90);
    public static readonly TimeSpan WriteTimeout = TimeSpan.FromSeconds(30);
    public static readonly TimeSpan RegistryRetention = TimeSpan.FromHours(1);
}
