namespace Resilience.Yarp;

/// <summary>Defaults of the admin endpoints (<c>MapDataPlaneAdmin</c>).</summary>
public static class DataPlaneAdminDefaults
{
    /// <summary>The authorization policy the admin endpoints require unless another is named: <c>DataPlaneAdmin</c>. The host defines it.</summary>
    public const string PolicyName = "DataPlaneAdmin";

    /// <summary>
    /// The route prefix of the admin endpoints: <c>/resilience</c> (<c>GET /resilience/state</c>, <c>POST /resilience/apply</c>,
    /// <c>GET /resilience/history</c>, <c>POST /resilience/rollback/{hash}</c>).
    /// </summary>
    public const string Pattern = "/resilience";
}
