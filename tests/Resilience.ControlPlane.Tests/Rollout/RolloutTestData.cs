namespace Resilience.ControlPlane.Tests;

/// <summary>Builders for rollout unit tests: fleets, plans and node reports.</summary>
internal static class RolloutTestData
{
    public static readonly DateTimeOffset T0 = new(2025, 1, 1, 12, 0, 0, TimeSpan.Zero);
    public static readonly RolloutConfigRef Candidate = new(new string('c', 64), 2, "v2");
    public static readonly RolloutConfigRef Stable = new(new string('s', 64), 1, "v1");

    public static FleetNode Node(string id, params (string Key, string Value)[] labels) =>
        new(id, labels.ToDictionary(l => l.Key, l => l.Value, StringComparer.Ordinal));

    public static List<FleetNode> Fleet(int count, string prefix = "node-") => Enumerable.Range(0, count).Select(i => Node($"{prefix}{i:D3}")).ToList();

    public static WavePlan[] Plan(params RolloutWave[] waves)
    {
        var plan = new RolloutPlan(waves);
        Assert.Empty(plan.Validate());
        return WavePlan.From(plan);
    }

    public static RolloutNodeReport Applied(string id, DateTimeOffset at, long requests = 0, long failed = 0, long beforeRequests = 0, long beforeFailed = 0, bool? ready = null) => new()
    {
        NodeId = id,
        IsConnected = true,
        ConnectedAt = T0 - TimeSpan.FromHours(1),
        ServedHash = Candidate.Hash,
        AppliedAt = at,
        DuringRequests = requests,
        DuringFailed = failed,
        BeforeRequests = beforeRequests,
        BeforeFailed = beforeFailed,
        Ready = ready,
        UpdatedAt = at,
    };

    public static RolloutNodeReport Serving(string id, string hash) => new()
    {
        NodeId = id,
        IsConnected = true,
        ConnectedAt = T0 - TimeSpan.FromHours(1),
        ServedHash = hash,
        UpdatedAt = T0,
    };

    public static Dictionary<string, RolloutNodeReport> Reports(params RolloutNodeReport[] reports) =>
        reports.ToDictionary(r => r.NodeId, StringComparer.Ordinal);

    public static string[] Members(RolloutRecord record, int wave) =>
        record.Assignments.Where(a => a.Value == wave).Select(a => a.Key).Order(StringComparer.Ordinal).ToArray();
}
