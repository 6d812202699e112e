namespace Resilience;

/// <summary>
/// What the history holds, as one immutable value swapped whole: the entries (newest first), the standing rollbacks
/// (each refuses its <see cref="ConfigRollbackState.FromHash"/>, newest first) and the hashes reverted once.
/// </summary>
internal sealed record HistoryIndex(IReadOnlyList<ConfigHistoryEntry> Entries, IReadOnlyList<ConfigRollbackState> Refused, IReadOnlyList<string> Reverted)
{
    public static HistoryIndex Empty { get; } = new([], [], []);

    /// <summary>Every hash the entries name, once: the payloads the store keeps.</summary>
    public IReadOnlyCollection<string> Hashes => Entries.Select(e => e.Hash).Distinct(StringComparer.Ordinal).ToArray();
}
