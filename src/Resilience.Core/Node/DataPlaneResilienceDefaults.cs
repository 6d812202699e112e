namespace Resilience;

/// <summary>The chain's defaults in one place.</summary>
internal static class DataPlaneResilienceDefaults
{
    public const string DataDirectory = "resilience-data";
    public const long MaxConfigBytes = 64L * 1024 * 1024;
    public const long MaxDecompressedBytes = 256L * 1024 * 1024;
    public const string MeterName = DataPlaneTelemetry.MeterName;
    public static readonly TimeSpan StartupTimeout = TimeSpan.FromSeconds(15);
}
