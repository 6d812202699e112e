namespace Resilience.ControlPlane;

/// <summary>The backplane's fixed limits in one place.</summary>
internal static class BackplaneDefaults
{
    /// <summary>The largest configuration a replica accepts from the backplane, after decompression.</summary>
    public const long MaxConfigBytes = 256L * 1024 * 1024;

    /// <summary>A replica's registry report lives this many <see cref="ControlPlaneBackplaneOptions.RegistryInterval"/>s.</summary>
    public const int ReportLifetimeIntervals = 3;

    /// <summary>After a failed round the replica retries sooner than the reconcile interval, at most this often.</summary>
    public static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(1);
}
