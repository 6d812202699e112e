namespace Resilience.Yarp;

/// <summary>One configuration of the node's history, as <c>GET /resilience/history</c> answers (newest first).</summary>
/// <param name="Hash">The configuration's hash: what <c>POST /resilience/rollback/{hash}</c> takes.</param>
/// <param name="Version">The control plane's version, when known.</param>
/// <param name="Origin">The tier it was served from (<c>ControlPlane</c>, <c>Manual</c>, <c>Rollback</c>, <c>Cache</c>, ...).</param>
/// <param name="AppliedAt">When the node started serving it.</param>
/// <param name="EndedAt">When it stopped; <see langword="null"/> while it is served.</param>
/// <param name="ServedSeconds">How long it was served, in seconds; <see langword="null"/> while it is served.</param>
/// <param name="End">How it ended: <c>Serving</c>, <c>Replaced</c>, <c>RolledBack</c>, <c>Reverted</c>.</param>
/// <param name="EndReason">Why it was rolled back or reverted.</param>
/// <param name="EndActor">Who rolled it back.</param>
/// <param name="Size">Its JSON payload's size in bytes.</param>
public sealed record DataPlaneAdminHistoryEntry(
    string Hash,
    string? Version,
    string Origin,
    DateTimeOffset AppliedAt,
    DateTimeOffset? EndedAt,
    double? ServedSeconds,
    string End,
    string? EndReason,
    string? EndActor,
    long Size)
{
    internal static DataPlaneAdminHistoryEntry From(ConfigHistoryEntry entry) => new(
        entry.Hash,
        entry.Version,
        entry.Origin.ToString(),
        entry.AppliedAt,
        entry.EndedAt,
        entry.ServedFor?.TotalSeconds,
        entry.End.ToString(),
        entry.EndReason,
        entry.EndActor,
        entry.Size);
}
