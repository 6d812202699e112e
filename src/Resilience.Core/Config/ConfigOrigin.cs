namespace Resilience;

/// <summary>
/// Where a configuration came from. The chain's tiers in precedence order are
/// <see cref="ControlPlane"/>, <see cref="Cache"/>, <see cref="FallbackStore"/> and <see cref="Declarative"/>;
/// <see cref="Manual"/> is an operator's apply, served until the control plane next pushes.
/// </summary>
public enum ConfigOrigin
{
    /// <summary>No configuration is served.</summary>
    None = 0,

    /// <summary>Tier 4: a declarative YAML (or JSON) source.</summary>
    Declarative = 1,

    /// <summary>Tier 3: imported from the shared fallback store.</summary>
    FallbackStore = 2,

    /// <summary>Tier 2: this node's local cache.</summary>
    Cache = 3,

    /// <summary>Tier 1: pushed live by the control plane.</summary>
    ControlPlane = 4,

    /// <summary>Applied by an operator on this node; replaced by the next control-plane push.</summary>
    Manual = 5,
}
