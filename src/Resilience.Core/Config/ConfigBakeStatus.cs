namespace Resilience;

/// <summary>Where the bake of the served configuration stands (<see cref="ConfigBakeState.Status"/>; <c>Resilience:Bake</c>).</summary>
public enum ConfigBakeStatus
{
    /// <summary>The served configuration is not baked: the bake is off, or it did not come from the control plane, or start-up served it.</summary>
    None = 0,

    /// <summary>Within the bake window: the node watches its signals.</summary>
    Baking = 1,

    /// <summary>The window ended with enough traffic and every signal healthy.</summary>
    Passed = 2,

    /// <summary>The window ended with too little traffic to judge and no failing check: the configuration is kept.</summary>
    Undecided = 3,

    /// <summary>A signal failed and the node went back to the previous configuration (<see cref="ConfigBakeState.Hash"/> is the one reverted).</summary>
    Reverted = 4,

    /// <summary>A signal failed but the node could not go back (no previous configuration, the revert was refused, or it reverted this hash once already): it keeps serving it.</summary>
    Failed = 5,
}
