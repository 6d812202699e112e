using System.Text.Json;
using Yarp.ReverseProxy.Configuration;

namespace Resilience.Samples.Gateway;

/// <summary>
/// Parses a configuration into YARP routes and clusters once and runs YARP's own validator on
/// every one of them, collecting all errors, so that a configuration YARP would refuse is rejected
/// by the data plane and never reaches YARP.
/// </summary>
public sealed class YarpConfigValidator(Yarp.ReverseProxy.Configuration.IConfigValidator yarpValidator) : Resilience.IConfigValidator
{
    private static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web);

    /// <inheritdoc/>
    public async ValueTask<ConfigValidationResult> ValidateAsync(ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
    {
        GatewayConfig? config;
        try
        {
            config = JsonSerializer.Deserialize<GatewayConfig>(payload.Span, JsonOptions);
        }
        catch (JsonException ex)
        {
            return ConfigValidationResult.Invalid($"not a gateway config: {ex.Message}");
        }

        if (config is null)
        {
            return ConfigValidationResult.Invalid("not a gateway config: null");
        }

        var errors = new List<string>();
        foreach (var route in config.Routes)
        {
            errors.AddRange((await yarpValidator.ValidateRouteAsync(route)).Select(e => $"route '{route.RouteId}': {e.Message}"));
        }

        foreach (var cluster in config.Clusters)
        {
            errors.AddRange((await yarpValidator.ValidateClusterAsync(cluster)).Select(e => $"cluster '{cluster.ClusterId}': {e.Message}"));
        }

        var clusterIds = config.Clusters.Select(c => c.ClusterId).ToHashSet(StringComparer.OrdinalIgnoreCase);
        errors.AddRange(config.Routes.Where(r => r.ClusterId is not null && !clusterIds.Contains(r.ClusterId)).Select(r => $"route '{r.RouteId}': unknown cluster '{r.ClusterId}'"));
        return errors.Count == 0 ? ConfigValidationResult.Valid(config) : ConfigValidationResult.Invalid(errors);
    }
}
