namespace Resilience;

/// <summary>The bake's defaults in one place.</summary>
internal static class BakeDefaults
{
    /// <summary>The sub-section of the chain's section that binds <see cref="BakeOptions"/>.</summary>
    public const string SectionName = "Bake";

    public const int MinimumRequests = 50;

    public const double MaxFailedRequestRatioIncrease = 0.05;

    public const string HealthCheckTag = "bake";

    public static readonly TimeSpan Duration = TimeSpan.FromMinutes(5);

    public static readonly TimeSpan DetectionWindow = TimeSpan.FromSeconds(10);

    /// <summary>How often the signals are sampled and judged.</summary>
    public static readonly TimeSpan EvaluationInterval = TimeSpan.FromSeconds(1);

    /// <summary>The longest a round of health checks or a probe may take; a slower one counts as no answer.</summary>
    public static readonly TimeSpan CheckTimeout = TimeSpan.FromSeconds(5);
}
