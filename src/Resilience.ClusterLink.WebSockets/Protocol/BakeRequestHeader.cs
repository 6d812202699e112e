using System.Text.Json.Serialization;

namespace Resilience.ClusterLink.WebSockets.Protocol;

/// <summary>
/// The <c>bake</c> field of a <c>config</c> or <c>config_delta</c> header (<see cref="BinaryHeader.Bake"/>): the stricter
/// bake the control plane asks the node for while it tries this configuration (a staged rollout's wave). Added within v1:
/// an older node ignores it. The numbers come from the network: <see cref="ToRequest"/> bounds them and a node ignores a
/// request it cannot use, with a log line; a request never loosens or turns on a node's own bake (<see cref="BakeRequest"/>).
/// </summary>
public sealed class BakeRequestHeader
{
    /// <summary>Gets or sets the detection window in milliseconds.</summary>
    [JsonPropertyName("detection_window_ms")]
    public long? DetectionWindowMs { get; set; }

    /// <summary>Gets or sets how often the node judges, in milliseconds.</summary>
    [JsonPropertyName("evaluation_interval_ms")]
    public long? EvaluationIntervalMs { get; set; }

    /// <summary>Gets or sets the fewest requests a window needs to be judged.</summary>
    [JsonPropertyName("minimum_requests")]
    public long? MinimumRequests { get; set; }

    /// <summary>Gets or sets how far the failed share may rise above the share before the apply (0 to 1).</summary>
    [JsonPropertyName("max_failed_increase")]
    public double? MaxFailedIncrease { get; set; }

    /// <summary>The header field for a request, or <see langword="null"/> when there is none.</summary>
    /// <param name="request">The control plane's request.</param>
    /// <returns>The field.</returns>
    public static BakeRequestHeader? From(BakeRequest? request) => request is null ? null : new BakeRequestHeader
    {
        DetectionWindowMs = request.DetectionWindow is { } window ? (long)window.TotalMilliseconds : null,
        EvaluationIntervalMs = request.EvaluationInterval is { } interval ? (long)interval.TotalMilliseconds : null,
        MinimumRequests = request.MinimumRequests,
        MaxFailedIncrease = request.MaxFailedRequestRatioIncrease,
    };

    /// <summary>The request this field carries, checked against <see cref="BakeRequest.Validate"/>'s bounds.</summary>
    /// <param name="why">Why it cannot be used, when it cannot.</param>
    /// <returns>The request, or <see langword="null"/> when a value is out of bounds (then <paramref name="why"/> says which).</returns>
    public BakeRequest? ToRequest(out string? why)
    {
        var limit = (long)BakeRequest.MaxDetectionWindow.TotalMilliseconds;
        if (DetectionWindowMs is < 0 || DetectionWindowMs > limit || EvaluationIntervalMs is < 0 || EvaluationIntervalMs > limit || MinimumRequests is < 0 or > int.MaxValue)
        {
            why = $"a value is out of range (detection_window_ms {DetectionWindowMs}, evaluation_interval_ms {EvaluationIntervalMs}, minimum_requests {MinimumRequests})";
            return null;
        }

        var request = new BakeRequest
        {
            DetectionWindow = DetectionWindowMs is { } window ? TimeSpan.FromMilliseconds(window) : null,
            EvaluationInterval = EvaluationIntervalMs is { } interval ? TimeSpan.FromMilliseconds(interval) : null,
            MinimumRequests = MinimumRequests is { } minimum ? (int)minimum : null,
            MaxFailedRequestRatioIncrease = MaxFailedIncrease,
        };
        var errors = request.Validate();
        why = errors.Count > 0 ? string.Join("; ", errors) : null;
        return errors.Count > 0 ? null : request;
    }
}
