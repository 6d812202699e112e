namespace Resilience;

/// <summary>
/// One configuration this node served, newest first in <see cref="IDataPlane.History"/>: what it was, where it came from,
/// when it was served, for how long and how that ended. The payload stays on disk until a rollback reads it.
/// </summary>
public sealed record ConfigHistoryEntry
{
    /// <summary>Gets the configuration's hash (lowercase hex SHA-256 of its JSON).</summary>
    public required string Hash { get; init; }

    /// <summary>Gets the version the control plane gave it, when known.</summary>
    public string? Version { get; init; }

    /// <summary>Gets the tier it was served from (<see cref="ConfigOrigin.Rollback"/> when it was served again from the history).</summary>
    public ConfigOrigin Origin { get; init; }

    /// <summary>Gets when this node started serving it.</summary>
    public DateTimeOffset AppliedAt { get; init; }

    /// <summary>Gets when it stopped being served; <see langword="null"/> while it is served.</summary>
    public DateTimeOffset? EndedAt { get; init; }

    /// <summary>Gets how it stopped being served.</summary>
    public ConfigHistoryEnd End { get; init; }

    /// <summary>Gets why it was rolled back or reverted, when it was.</summary>
    public string? EndReason { get; init; }

    /// <summary>Gets who rolled it back (<c>admin:&lt;user&gt;</c>, <c>control-plane:&lt;id&gt;</c>, <c>self-revert</c>), when it was.</summary>
    public string? EndActor { get; init; }

    /// <summary>Gets the size of its JSON payload in bytes.</summary>
    public long Size { get; init; }

    /// <summary>Gets how long it was served; <see langword="null"/> while it is served.</summary>
    public TimeSpan? ServedFor => EndedAt - AppliedAt;
}
