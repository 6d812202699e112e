namespace Resilience.ControlPlane;

/// <summary>A configuration a rollout refers to: its hash, publish sequence (the fleet revision with a backplane) and version.</summary>
internal sealed record RolloutConfigRef(string Hash, long Sequence, string? Version)
{
    public static RolloutConfigRef Of(PublishedConfig config) => new(config.Hash, config.Sequence, config.Version);
}
