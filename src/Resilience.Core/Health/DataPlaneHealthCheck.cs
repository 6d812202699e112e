using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace Resilience;

/// <summary>
/// Ready when a configuration is served; degraded when the link has been down longer than a
/// threshold, the configuration is older than one, or a local file cannot be written (the cache: a restart would not find
/// the served configuration; the node id: it changes on restart); unhealthy when nothing is served or the licence expired.
/// </summary>
internal sealed class DataPlaneHealthCheck : IHealthCheck
{
    private readonly IDataPlane _dataPlane;
    private readonly IOptionsMonitor<DataPlaneHealthOptions> _options;
    private readonly TimeProvider _timeProvider;

    public DataPlaneHealthCheck(IDataPlane dataPlane, IOptionsMonitor<DataPlaneHealthOptions> options, TimeProvider timeProvider)
    {
        _dataPlane = dataPlane;
        _options = options;
        _timeProvider = timeProvider;
    }

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var state = _dataPlane.State;
        var current = _dataPlane.Current;
        var now = _timeProvider.GetUtcNow();
        var data = new Dictionary<string, object>
        {
            ["serving_tier"] = state.ServingTier.ToString(),
            ["link"] = state.Link.Status.ToString(),
            ["startup_completed"] = state.StartupCompleted,
        };
        if (state.Link.Endpoint is { } endpoint)
        {
            // Connected: the control plane in use; otherwise the one tried last (several endpoints: which one failed).
            data["link_endpoint"] = ClusterLinkEndpoint.Display(endpoint);
        }

        if (state.Link.RetryAfter is { } retryAfter)
        {
            // The control plane answered busy (admission control): the node waits what it was told before its next attempt.
            data["link_retry_after_seconds"] = retryAfter.TotalSeconds;
        }

        if (state.UnwrittenFiles.Count > 0)
        {
            data["unwritten_files"] = string.Join(", ", state.UnwrittenFiles.Select(f => f.Name));
        }

        if (state.License is { IsExpired: true } license)
        {
            data["license_expires_at"] = license.ExpiresAt.ToString("O", System.Globalization.CultureInfo.InvariantCulture);
            return Task.FromResult(new HealthCheckResult(
                context.Registration.FailureStatus,
                $"The licence for {license.Subject} expired at {license.ExpiresAt:O}; {(license.ServingStopped ? "serving stopped" : "still serving")}.",
                data: data));
        }

        if (current is null)
        {
            return Task.FromResult(new HealthCheckResult(context.Registration.FailureStatus, "No configuration is served.", data: data));
        }

        data["config_hash"] = current.Hash;
        var options = _options.CurrentValue;
        var problems = new List<string>();
        if (state.Link.Status is ClusterLinkStatus.Disconnected or ClusterLinkStatus.Connecting
            && state.Link.Since != DateTimeOffset.MinValue
            && now - state.Link.Since > options.LinkDownThreshold)
        {
            problems.Add($"control-plane link down since {state.Link.Since:O} ({state.Link.LastError ?? "no error reported"})");
        }

        var age = now - (current.Timestamp ?? current.ReceivedAt);
        data["config_age_seconds"] = age.TotalSeconds;
        if (options.ConfigAgeThreshold is { } maxAge && age > maxAge)
        {
            problems.Add($"configuration is {age.TotalMinutes:F0} min old");
        }

        foreach (var file in state.UnwrittenFiles)
        {
            problems.Add($"{file.Name} is not being written to {file.Path} since {file.Since:O} ({file.Reason})");
        }

        return Task.FromResult(problems.Count == 0
            ? HealthCheckResult.Healthy($"Serving {current.Hash[..12]} from {state.ServingTier}.", data)
            : HealthCheckResult.Degraded($"Serving {current.Hash[..12]} from {state.ServingTier}; {string.Join("; ", problems)}.", data: data));
    }
}
