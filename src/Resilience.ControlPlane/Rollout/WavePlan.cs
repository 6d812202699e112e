using System.Globalization;

namespace Resilience.ControlPlane;

/// <summary>
/// One wave as a running rollout keeps it: a copy of the caller's <see cref="RolloutWave"/> taken at publish time (a
/// plan changed afterwards does not change a running rollout), in a form the backplane can store.
/// </summary>
internal sealed record WavePlan
{
    public required string Name { get; init; }

    public Dictionary<string, string>? Labels { get; init; }

    public double? Share { get; init; }

    public int? Count { get; init; }

    public bool EveryoneElse { get; init; }

    public TimeSpan BakeTime { get; init; }

    public TimeSpan ApplyTimeout { get; init; }

    public double? MaxFailedRequestShareIncrease { get; init; }

    public long MinRequests { get; init; }

    public bool RequireReady { get; init; }

    public int MinNodes { get; init; }

    /// <summary>The stricter bake the wave's nodes are asked for with the candidate, or <see langword="null"/>.</summary>
    public BakeRequest? NodeBake { get; init; }

    public static WavePlan[] From(RolloutPlan plan) => plan.Waves.Select((wave, i) => new WavePlan
    {
        Name = string.IsNullOrWhiteSpace(wave.Name) ? $"wave {i + 1}" : wave.Name!,
        Labels = wave.Labels.Count > 0 ? new Dictionary<string, string>(wave.Labels, StringComparer.Ordinal) : null,
        Share = wave.Share,
        Count = wave.Count,
        EveryoneElse = wave.EveryoneElse,
        BakeTime = wave.BakeTime,
        ApplyTimeout = wave.Gates.ApplyTimeout,
        MaxFailedRequestShareIncrease = wave.Gates.MaxFailedRequestShareIncrease,
        MinRequests = wave.Gates.MinRequests,
        RequireReady = wave.Gates.RequireReady,
        MinNodes = wave.Gates.MinNodes ?? (wave.EveryoneElse ? 0 : 1),
        NodeBake = wave.NodeBake is { } bake ? bake with { } : null,
    }).ToArray();

    /// <summary>How the wave selects its nodes, for people: <c>ring=canary</c>, <c>5 % of the fleet</c>, <c>1 node</c>, <c>everyone else</c>.</summary>
    public string Describe() =>
        Labels is { Count: > 0 } labels ? string.Join(", ", labels.OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => $"{l.Key}={l.Value}"))
        : Share is { } share ? $"{(share * 100).ToString("0.##", CultureInfo.InvariantCulture)} % of the fleet"
        : Count is { } count ? (count == 1 ? "1 node" : $"{count} nodes")
        : "everyone else";
}
