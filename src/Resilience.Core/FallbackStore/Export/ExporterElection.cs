namespace Resilience;

/// <summary>
/// The deterministic exporter election over the registrations that are fresh (rewritten within the election
/// interval plus the grace, by the store's clock). Every node that sees the same listing reaches the same result.
/// </summary>
/// <remarks>
/// <para>The lead is held by a claim: a registration with a lead term. Among fresh claims the highest term wins
/// (ties: earlier first registration, then the smaller node id, ordinal). A new claim is made only when no fresh
/// claim exists, and only by the <see cref="ChooseCandidate">candidate</see>, with a term above every term in the
/// store; so the incumbent keeps the lead while its registration is fresh, and a claim that comes back from a
/// stalled or frozen node (an old term) loses to the one made while it was gone.</para>
/// </remarks>
internal static class ExporterElection
{
    /// <summary>Picks the winning claim to the lead among the fresh registrations.</summary>
    /// <param name="registrations">The registrations read from the store.</param>
    /// <param name="storeNow">"Now" by the store's clock (the last-modified time of the caller's own, just written, registration).</param>
    /// <param name="freshness">How old a registration may be and still count: election interval + grace.</param>
    /// <returns>The winning claim, or <see langword="null"/> when no fresh registration claims the lead.</returns>
    public static ElectionRegistration? ChooseClaim(IEnumerable<ElectionRegistration> registrations, DateTimeOffset storeNow, TimeSpan freshness)
    {
        ArgumentNullException.ThrowIfNull(registrations);
        ElectionRegistration? winner = null;
        foreach (var claim in registrations)
        {
            if (claim.LeadTerm <= 0 || !IsFresh(claim, storeNow, freshness))
            {
                continue;
            }

            if (winner is null || claim.LeadTerm > winner.LeadTerm || (claim.LeadTerm == winner.LeadTerm && Precedes(claim, winner)))
            {
                winner = claim;
            }
        }

        return winner;
    }

    /// <summary>Picks the node that should claim the lead when nobody holds it: the fresh registration that registered first; ties go to the smaller node id (ordinal).</summary>
    /// <param name="registrations">The registrations read from the store.</param>
    /// <param name="storeNow">"Now" by the store's clock.</param>
    /// <param name="freshness">How old a registration may be and still count: election interval + grace.</param>
    /// <returns>The candidate's node id, or <see langword="null"/> when no registration is fresh.</returns>
    public static string? ChooseCandidate(IEnumerable<ElectionRegistration> registrations, DateTimeOffset storeNow, TimeSpan freshness)
    {
        ArgumentNullException.ThrowIfNull(registrations);
        ElectionRegistration? candidate = null;
        foreach (var registration in registrations)
        {
            if (IsFresh(registration, storeNow, freshness) && (candidate is null || Precedes(registration, candidate)))
            {
                candidate = registration;
            }
        }

        return candidate?.NodeId;
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
