namespace Resilience.ControlPlane;

/// <summary>Defaults of the fleet page (<c>MapDataPlaneFleetPage</c>).</summary>
public static class FleetPageDefaults
{
    /// <summary>The authorization policy the page requires unless another is named: <c>DataPlaneFleet</c>. The host defines it.</summary>
    public const string PolicyName = "DataPlaneFleet";

    /// <summary>The page's route: <c>/fleet</c> (the page), <c>/fleet/fragment</c> (its content, for the refresh), <c>/fleet/data</c> (JSON), <c>POST /fleet/rollout/{action}</c>.</summary>
    public const string Pattern = "/fleet";

    /// <summary>The header a rollout action must carry (any value): a page on another site cannot send it without the browser asking this control plane first.</summary>
    public const string ActionHeader = "X-Fleet-Action";

    /// <summary>How often the page refreshes its content, in milliseconds.</summary>
    internal const int RefreshMilliseconds = 2000;
}
