using System.Globalization;

namespace Resilience;

/// <summary>
/// A stricter bake the control plane asks for one configuration (a staged rollout's wave, the link's <c>bake</c> header
/// field), so that a canary notices a bad configuration sooner than the rest of the fleet would. A node bakes with the
/// stricter of each setting and its own <see cref="BakeOptions"/>: a request can only tighten a bake, never loosen it,
/// turn it off, or turn on a bake the node's operator left off. A <see langword="null"/> setting keeps the node's own.
/// </summary>
public sealed record BakeRequest
{
    /// <summary>The shortest <see cref="DetectionWindow"/> and <see cref="EvaluationInterval"/> a request may ask for.</summary>
    public static readonly TimeSpan MinInterval = TimeSpan.FromMilliseconds(100);

    /// <summary>The longest <see cref="EvaluationInterval"/> a request may ask for: the bake's own interval.</summary>
    private static readonly TimeSpan MaxEvaluationInterval = TimeSpan.FromSeconds(1);

    /// <summary>The longest <see cref="DetectionWindow"/> a request may name (a longer one could not tighten any node's).</summary>
    public static readonly TimeSpan MaxDetectionWindow = TimeSpan.FromHours(1);

    /// <summary>Gets the window the failed-request share is judged over; used where shorter than the node's <see cref="BakeOptions.DetectionWindow"/>. 100 ms to 1 hour.</summary>
    public TimeSpan? DetectionWindow { get; init; }

    /// <summary>Gets how often the signals are sampled and judged while this configuration bakes; used where shorter than the node's 1 s. 100 ms to 1 s.</summary>
    public TimeSpan? EvaluationInterval { get; init; }

    /// <summary>Gets the fewest requests a window needs to be judged; used where lower than the node's <see cref="BakeOptions.MinimumRequests"/>. At least 1.</summary>
    public int? MinimumRequests { get; init; }

    /// <summary>Gets how far the failed share may rise above the share before the apply; used where lower than the node's <see cref="BakeOptions.MaxFailedRequestRatioIncrease"/>. 0 to 1.</summary>
    public double? MaxFailedRequestRatioIncrease { get; init; }

    /// <summary>Why this request cannot be used (each setting outside its bounds), or an empty list when it can.</summary>
    /// <returns>The errors, for people.</returns>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>(0);
        if (DetectionWindow is { } window && (window < MinInterval || window > MaxDetectionWindow))
        {
            errors.Add($"the bake's detection window must be between {MinInterval.TotalMilliseconds} ms and {MaxDetectionWindow.TotalHours} hour, not {window}");
        }

        if (EvaluationInterval is { } interval && (interval < MinInterval || interval > MaxEvaluationInterval))
        {
            errors.Add($"the bake's evaluation interval must be between {MinInterval.TotalMilliseconds} ms and {MaxEvaluationInterval.TotalSeconds} s, not {interval}");
        }

        if (MinimumRequests is < 1)
        {
            errors.Add($"the bake's minimum number of requests must be at least 1, not {MinimumRequests}");
        }

        if (MaxFailedRequestRatioIncrease is { } increase && (double.IsNaN(increase) || increase < 0 || increase > 1))
        {
            errors.Add($"the bake's failed-request share increase must be between 0 and 1, not {increase.ToString(CultureInfo.InvariantCulture)}");
        }

        return errors;
    }

    /// <summary>Whether every setting is empty: a request that changes nothing.</summary>
    internal bool IsEmpty => DetectionWindow is null && EvaluationInterval is null && MinimumRequests is null && MaxFailedRequestRatioIncrease is null;

    /// <summary>For logs: the settings given.</summary>
    /// <returns>For example <c>detection window 00:00:01, minimum requests 3</c>.</returns>
    public override string ToString()
    {
        var parts = new List<string>(4);
        if (DetectionWindow is { } window)
        {
            parts.Add($"detection window {window}");
        }

        if (EvaluationInterval is { } interval)
        {
            parts.Add($"evaluation interval {interval}");
        }

        if (MinimumRequests is { } minimum)
        {
            parts.Add($"minimum requests {minimum}");
        }

        if (MaxFailedRequestRatioIncrease is { } increase)
        {
            parts.Add($"failed share increase {increase.ToString("0.###", CultureInfo.InvariantCulture)}");
        }

        return parts.Count == 0 ? "nothing" : string.Join(", ", parts);
    }
}
