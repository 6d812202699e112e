namespace Resilience;

/// <summary>
/// The deterministic exporter election: among the registrations that are fresh (rewritten within the
/// election interval plus a grace period, by the store's clock), the one that registered first leads;
/// ties go to the smaller node id (ordinal). Every node that sees the same listing picks the same leader.
/// </summary>
internal static class ExporterElection
{
    /// <summary>Picks the leader.</summary>
    /// <param name="registrations">The registrations read from the store.</param>
    /// <param name="storeNow">"Now" by the store's clock (the last-modified time of the caller's own, just written, registration).</param>
    /// <param name="freshness">How old a registration may be and still count: election interval + grace.</param>
    /// <returns>The leader's node id, or <see langword="null"/> when no registration is fresh.</returns>
    public static string? ChooseLeader(IEnumerable<ElectionRegistration> registrations, DateTimeOffset storeNow, TimeSpan freshness)
    {
        ArgumentNullException.ThrowIfNull(registrations);
        ElectionRegistration? leader = null;
        foreach (var candidate in registrations)
        {
            if (!IsFresh(candidate, storeNow, freshness))
            {
                continue;
            }

            if (leader is null || Precedes(candidate, leader))
            {
                leader = candidate;
            }
        }

        return leader?.NodeId;
    }

    /// <summary>Whether a registration was rewritten recently enough to count.</summary>
    public static bool IsFresh(ElectionRegistration registration, DateTimeOffset storeNow, TimeSpan freshness) =>
        storeNow - registration.LastModified <= freshness;

    private static bool Precedes(ElectionRegistration a, ElectionRegistration b)
    {
        var byTime = a.FirstRegistered.CompareTo(b.FirstRegistered);
        return byTime < 0 || (byTime == 0 && string.CompareOrdinal(a.NodeId, b.NodeId) < 0);
    }
}
