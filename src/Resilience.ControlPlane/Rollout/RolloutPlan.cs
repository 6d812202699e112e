namespace Resilience.ControlPlane;

/// <summary>
/// How a new configuration reaches the fleet: an ordered list of waves. The first wave's nodes get it at once; each
/// wave bakes for its <see cref="RolloutWave.BakeTime"/> while its <see cref="RolloutWave.Gates"/> are read from what
/// its nodes report, and a wave that passes promotes the next. When the last wave passes, the configuration becomes
/// the fleet's stable one (and nodes no wave selected get it then). A failed gate halts the rollout and rolls the
/// nodes that got it back to the previous stable configuration. Bind it from configuration or build it in code.
/// </summary>
public sealed class RolloutPlan
{
    /// <summary>Creates an empty plan (add waves to <see cref="Waves"/>).</summary>
    public RolloutPlan()
    {
    }

    /// <summary>Creates a plan of the given waves, in order.</summary>
    /// <param name="waves">The waves; at least one.</param>
    public RolloutPlan(params RolloutWave[] waves)
    {
        ArgumentNullException.ThrowIfNull(waves);
        foreach (var wave in waves)
        {
            Waves.Add(wave);
        }
    }

    /// <summary>Gets the waves, in the order the configuration goes through them.</summary>
    public IList<RolloutWave> Waves { get; } = new List<RolloutWave>();

    /// <summary>Checks the plan: at least one wave, each with exactly one selector and sensible times and thresholds.</summary>
    /// <returns>Every problem found; empty when the plan can be used.</returns>
    public IReadOnlyList<string> Validate() => RolloutPlanRules.Validate(this);
}
