using System.Text.Json;
using Resilience;

namespace Resilience.Samples.Gateway;

/// <summary>
/// A site's own rule the control plane does not know: every destination address of a configuration must be one of
/// <c>Gateway:AllowedUpstreams</c> (scheme, host and port, e.g. <c>http://10.0.0.5:8080</c>). Registered with
/// <c>UseValidator</c> beside YARP's checks, so a configuration that routes anywhere else is refused on this node, with
/// the addresses, and the node keeps serving what it serves. Off when the setting is empty.
/// </summary>
internal sealed class AllowedUpstreams(IReadOnlyCollection<string> allowed)
{
    private readonly HashSet<string> _allowed = new(allowed.Select(Normalize).OfType<string>(), StringComparer.OrdinalIgnoreCase);

    /// <summary>The rule from configuration, or <see langword="null"/> when no address is listed.</summary>
    public static AllowedUpstreams? From(IConfiguration configuration)
    {
        var listed = configuration.GetSection("Gateway:AllowedUpstreams").Get<string[]>() ?? [];
        return listed.Length == 0 ? null : new AllowedUpstreams(listed);
    }

    public ValueTask<ConfigValidationResult> ValidateAsync(ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
    {
        var errors = new List<string>();
        using var document = JsonDocument.Parse(payload, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        if (Member(document.RootElement, "Clusters") is { ValueKind: JsonValueKind.Object } clusters)
        {
            foreach (var cluster in clusters.EnumerateObject())
            {
                if (Member(cluster.Value, "Destinations") is not { ValueKind: JsonValueKind.Object } destinations)
                {
                    continue;
                }

                foreach (var destination in destinations.EnumerateObject())
                {
                    var address = Member(destination.Value, "Address") is { ValueKind: JsonValueKind.String } value ? value.GetString() : null;
                    if (Normalize(address) is not { } origin || !_allowed.Contains(origin))
                    {
                        errors.Add($"cluster '{cluster.Name}' destination '{destination.Name}' routes to {address ?? "(no address)"}, which is not in Gateway:AllowedUpstreams");
                    }
                }
            }
        }

        return ValueTask.FromResult(errors.Count == 0 ? ConfigValidationResult.Valid() : ConfigValidationResult.Invalid(errors));
    }

    /// <summary>YARP reads section names case-insensitively; so does this rule.</summary>
    private static JsonElement? Member(JsonElement element, string name)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        foreach (var property in element.EnumerateObject())
        {
            if (string.Equals(property.Name, name, StringComparison.OrdinalIgnoreCase))
            {
                return property.Value;
            }
        }

        return null;
    }

    private static string? Normalize(string? address) =>
        Uri.TryCreate(address, UriKind.Absolute, out var uri) ? $"{uri.Scheme}://{uri.Host}:{uri.Port}" : null;
}
