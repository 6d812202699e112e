namespace Resilience;

/// <summary>The bake of a configuration from the control plane (<see cref="DataPlaneState.Bake"/>; <c>Resilience:Bake</c>).</summary>
public sealed record ConfigBakeState
{
    /// <summary>Gets where the bake stands.</summary>
    public ConfigBakeStatus Status { get; init; }

    /// <summary>Gets the configuration baked (or reverted).</summary>
    public string? Hash { get; init; }

    /// <summary>Gets when the bake began.</summary>
    public DateTimeOffset StartedAt { get; init; }

    /// <summary>Gets when it ended; <see langword="null"/> while baking.</summary>
    public DateTimeOffset? EndedAt { get; init; }

    /// <summary>Gets the verdict's reason: the failing signal, or the counts that passed or could not decide.</summary>
    public string? Reason { get; init; }

    /// <summary>The state of a node that bakes nothing.</summary>
    internal static ConfigBakeState NotBaking { get; } = new();
}
