namespace Resilience.ControlPlane;

/// <summary>The rollout's defaults in one place.</summary>
internal static class RolloutDefaults
{
    public const double MaxFailedRequestShareIncrease = 0.05;
    public const long MinRequests = 20;
    public const int MaxWaves = 100;
    public const int MaxLabelsPerWave = 32;
    public static readonly TimeSpan BakeTime = TimeSpan.FromMinutes(5);
    public static readonly TimeSpan ApplyTimeout = TimeSpan.FromMinutes(1);
    public static readonly TimeSpan MaxTime = TimeSpan.FromDays(7);
}
