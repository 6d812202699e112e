namespace Resilience;

/// <summary>What the exporter loop has done so far, published each time it goes idle (tests and the leader gauge read it).</summary>
/// <param name="Rounds">Election rounds completed (registration written and listing read, or failed).</param>
/// <param name="IsLeader">Whether this node is the active exporter.</param>
/// <param name="Leader">The leader this node saw in its last round, if any.</param>
/// <param name="StoredHash">The hash of the configuration this node believes the store holds, if known.</param>
/// <param name="Exports">Uploads of the configuration object this node made.</param>
internal sealed record ExporterStatus(long Rounds, bool IsLeader, string? Leader, string? StoredHash, long Exports)
{
    public static readonly ExporterStatus Initial = new(0, false, null, null, 0);
}
