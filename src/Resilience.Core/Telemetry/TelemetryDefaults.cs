namespace Resilience;

/// <summary>The telemetry defaults in one place (the reference's: 100,000 records, 1 s flush).</summary>
internal static class TelemetryDefaults
{
    public const string SectionName = "Telemetry";
    public const int BufferSizeLimit = 100_000;
    public const int MaxBatchSize = 10_000;
    public static readonly TimeSpan FlushInterval = TimeSpan.FromSeconds(1);
}
