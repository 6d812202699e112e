namespace Resilience;

/// <summary>
/// An immutable, validated configuration that the node serves. Snapshots are swapped whole;
/// a reader that holds one sees a consistent configuration for as long as it keeps it.
/// </summary>
public sealed class ConfigSnapshot
{
    /// <summary>Creates a snapshot. The pipeline creates them; hosts create them only in tests.</summary>
    /// <param name="payload">The configuration as UTF-8 JSON.</param>
    /// <param name="hash">The lowercase hex SHA-256 of <paramref name="payload"/>.</param>
    /// <param name="origin">The tier it came from.</param>
    /// <param name="receivedAt">When this node received it.</param>
    /// <param name="model">The host's parsed model, when its validator produced one.</param>
    public ConfigSnapshot(ReadOnlyMemory<byte> payload, string hash, ConfigOrigin origin, DateTimeOffset receivedAt, object? model = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(hash);
        Payload = payload;
        Hash = hash;
        Origin = origin;
        ReceivedAt = receivedAt;
        Model = model;
    }

    /// <summary>Gets the configuration as UTF-8 JSON.</summary>
    public ReadOnlyMemory<byte> Payload { get; }

    /// <summary>Gets the lowercase hex SHA-256 of <see cref="Payload"/>.</summary>
    public string Hash { get; }

    /// <summary>Gets the tier this configuration came from.</summary>
    public ConfigOrigin Origin { get; }

    /// <summary>Gets when this node received the configuration.</summary>
    public DateTimeOffset ReceivedAt { get; }

    /// <summary>Gets the version the control plane gave this configuration, when known.</summary>
    public string? Version { get; init; }

    /// <summary>Gets when the control plane produced this configuration, when known.</summary>
    public DateTimeOffset? Timestamp { get; init; }

    /// <summary>Gets the control plane's signature of <see cref="Payload"/>, kept so that the cache and the fallback store carry it.</summary>
    public string? Signature { get; init; }

    /// <summary>Gets the id of the staged rollout this configuration was pushed as a candidate of (see <see cref="ConfigDocument.RolloutId"/>), or <see langword="null"/>.</summary>
    public string? RolloutId { get; init; }

    /// <summary>Gets the stricter bake the control plane asked for this configuration (see <see cref="ConfigDocument.RequestedBake"/>), or <see langword="null"/>.</summary>
    public BakeRequest? RequestedBake { get; init; }

    /// <summary>Gets the model the host's validator parsed from the payload (once per configuration), if any.</summary>
    public object? Model { get; }

    /// <summary>Gets the parsed model as <typeparamref name="TModel"/>.</summary>
    /// <typeparam name="TModel">The type the host's validator produces.</typeparam>
    /// <returns>The model.</returns>
    /// <exception cref="InvalidOperationException">The validator produced no model of that type.</exception>
    public TModel GetModel<TModel>()
        where TModel : class
        => Model as TModel ?? throw new InvalidOperationException(
            $"The configuration {Hash} carries no model of type {typeof(TModel).Name}; register a validator that returns one.");
}
