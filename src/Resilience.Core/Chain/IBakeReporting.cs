namespace Resilience;

/// <summary>
/// What the bake may do to the data plane: show its state (<see cref="DataPlaneState.Bake"/>). It goes back through
/// <see cref="DataPlane.RevertAsync"/>; the chain knows nothing of bakes beyond that (the licensing piece works alike).
/// </summary>
internal interface IBakeReporting
{
    /// <summary>Publishes the bake's state of the served configuration.</summary>
    /// <param name="bake">The state now.</param>
    void ReportBake(ConfigBakeState bake);
}
