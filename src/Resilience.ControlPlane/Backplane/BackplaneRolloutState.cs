namespace Resilience.ControlPlane;

/// <summary>A rollout as a backplane stores it: an opaque JSON document and the version that guards its writes.</summary>
/// <param name="Version">The write counter: above 0, one more on every write.</param>
/// <param name="Document">The control plane's JSON document of the rollout.</param>
public sealed record BackplaneRolloutState(long Version, ReadOnlyMemory<byte> Document);
