namespace Resilience.ClusterLink.WebSockets;

/// <summary>The link's defaults in one place (the reference's timings: 30 s heartbeat, reconnect after 5-10 s).</summary>
internal static class ClusterLinkDefaults
{
    public const string SectionName = "ClusterLink";
    public const long MaxFrameBytes = 64L * 1024 * 1024;
    public const long MaxDecompressedBytes = 256L * 1024 * 1024;
    public static readonly TimeSpan HeartbeatInterval = TimeSpan.FromSeconds(30);
    public static readonly TimeSpan HeartbeatTimeout = TimeSpan.FromSeconds(45);
    public static readonly TimeSpan ReconnectDelayMin = TimeSpan.FromSeconds(5);
    public static readonly TimeSpan ReconnectDelayMax = TimeSpan.FromSeconds(10);
    public static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(15);
    public static readonly TimeSpan WriteTimeout = TimeSpan.FromSeconds(30);
    public static readonly TimeSpan MaxRetryAfter = TimeSpan.FromMinutes(5);
}
