namespace Resilience;

/// <summary>The exporter's fixed names and defaults in one place.</summary>
internal static class ExportConstants
{
    /// <summary>Object metadata: the node id of the node that uploaded the object (also <see cref="FallbackImporter.ExporterMetadataKey"/>).</summary>
    public const string ExporterNodeIdMetadataKey = FallbackImporter.ExporterMetadataKey;

    /// <summary>Object metadata: the <see cref="ConfigHash"/> of the exported configuration.</summary>
    public const string ConfigHashMetadataKey = "config-hash";

    /// <summary>The largest registration object read during an election.</summary>
    public const long MaxRegistrationBytes = 64 * 1024;

    /// <summary>
    /// Default grace added to the election interval before a registration counts as stale; above the cloud
    /// stores' default retry budget (<see cref="FallbackStoreRetryOptions.TotalTimeout"/>, 30 s), as start-up requires.
    /// </summary>
    public static readonly TimeSpan DefaultElectionGrace = TimeSpan.FromSeconds(45);
}
