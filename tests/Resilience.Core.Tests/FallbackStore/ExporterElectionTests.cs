namespace Resilience.Tests.FallbackStore;

public sealed class ExporterElectionTests
{
    private static readonly DateTimeOffset Now = new(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Freshness = TimeSpan.FromSeconds(90);

    [Fact]
    public void The_fresh_registration_that_registered_first_leads()
    {
        var leader = ExporterElection.ChooseCandidate(
            [
                new ElectionRegistration("b", Now.AddHours(-1), Now),
                new ElectionRegistration("a", Now.AddMinutes(-5), Now.AddSeconds(-10)),
                new ElectionRegistration("c", Now.AddHours(-2), Now.AddSeconds(-30)),
            ],
            Now,
            Freshness);

        Assert.Equal("c", leader);
    }

    [Fact]
    public void Ties_on_registration_time_go_to_the_smaller_node_id()
    {
        var leader = ExporterElection.ChooseCandidate(
            [new ElectionRegistration("node-b", Now, Now), new ElectionRegistration("node-a", Now, Now), new ElectionRegistration("node-c", Now, Now)],
            Now,
            Freshness);

        Assert.Equal("node-a", leader);
    }

    [Fact]
    public void A_stale_registration_does_not_count_even_if_it_registered_first()
    {
        var leader = ExporterElection.ChooseCandidate(
            [new ElectionRegistration("old", Now.AddDays(-1), Now - Freshness - TimeSpan.FromMilliseconds(1)), new ElectionRegistration("new", Now, Now)],
            Now,
            Freshness);

        Assert.Equal("new", leader);
    }

    [Fact]
    public void A_registration_exactly_at_the_freshness_limit_still_counts()
    {
        var registration = new ElectionRegistration("edge", Now.AddDays(-1), Now - Freshness);

        Assert.True(ExporterElection.IsFresh(registration, Now, Freshness));
        Assert.Equal("edge", ExporterElection.ChooseCandidate([registration], Now, Freshness));
    }

    [Fact]
    public void No_fresh_registration_means_no_leader()
    {
        Assert.Null(ExporterElection.ChooseCandidate([new ElectionRegistration("gone", Now.AddDays(-1), Now.AddHours(-1))], Now, Freshness));
        Assert.Null(ExporterElection.ChooseCandidate([], Now, Freshness));
    }

    [Fact]
    public void Every_node_seeing_the_same_listing_picks_the_same_leader_whatever_its_order()
    {
        var registrations = Enumerable.Range(0, 8)
            .Select(i => new ElectionRegistration($"n{i}", Now.AddSeconds(-(i % 3)), Now.AddSeconds(-i)))
            .ToArray();
        var expected = ExporterElection.ChooseCandidate(registrations, Now, Freshness);

        for (var seed = 0; seed < 20; seed++)
        {
            var shuffled = registrations.OrderBy(_ => Random.Shared.Next()).ToArray();
            Assert.Equal(expected, ExporterElection.ChooseCandidate(shuffled, Now, Freshness));
        }
    }

    [Fact]
    public void A_registration_round_trips_through_its_stored_content()
    {
        var content = ElectionRegistration.Serialize("node/1", "host", Now);

        var parsed = ElectionRegistration.TryParse(content, Now.AddSeconds(5));

        Assert.Equal(new ElectionRegistration("node/1", Now, Now.AddSeconds(5)), parsed);
        Assert.Null(ElectionRegistration.TryParse("not json"u8, Now));
        Assert.Null(ElectionRegistration.TryParse("{}"u8, Now));
    }
}
