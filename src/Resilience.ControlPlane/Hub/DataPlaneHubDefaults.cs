namespace Resilience.ControlPlane;

/// <summary>The hub's defaults in one place.</summary>
internal static class DataPlaneHubDefaults
{
    public const long MaxMessageBytes = 16L * 1024 * 1024;
    public const long MaxTelemetryDecompressedBytes = 64L * 1024 * 1024;
    public const string MeterName = ControlPlaneTelemetry.MeterName;
    public const int TelemetryQueueCapacity = 16;
    public const int DeltaHistory = 8;
    public const long DeltaHistoryMaxBytes = 256L * 1024 * 1024;
    public static readonly TimeSpan HelloTimeout = TimeSpan.FromSeconds(10);
    public static readonly TimeSpan DataPlaneTimeout = TimeSpan.FromSeconds(90);
    public static readonly TimeSpan WriteTimeout = TimeSpan.FromSeconds(30);
    public static readonly TimeSpan RegistryRetention = TimeSpan.FromHours(1);

    /// <summary>A few per core: more concurrent writes on the same cores finish no sooner and each holds a send buffer.</summary>
    public static readonly int MaxConcurrentConfigSends = 4 * Environment.ProcessorCount;

    /// <summary>
    /// A configuration goes out as WebSocket fragments of at most this many bytes: the socket's send buffer, rented
    /// from the shared array pool at payload + 14 header bytes, then stays in the pool's 64 KiB class (pooled,
    /// below the large-object heap) instead of one message-sized array per data plane. Each fragment is one write and
    /// one flush through the WebSocket and Kestrel and, when its write is pending, one stall timer: 64 KiB fragments
    /// take a quarter of the 16 KiB ones' (docs/benchmarks.md, "fan-out").
    /// </summary>
    public const int ConfigFragmentBytes = (64 * 1024) - 14;

    /// <summary>A fragment write still pending after this long (a data plane that stops reading) gives its slot back.</summary>
    public static readonly TimeSpan ConfigSendStall = TimeSpan.FromMilliseconds(100);
}
