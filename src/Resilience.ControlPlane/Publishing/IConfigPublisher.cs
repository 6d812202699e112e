namespace Resilience.ControlPlane;

/// <summary>Publishes configurations to the data planes: the latest one is pushed at once to every connected data plane and on every connect; nothing older is queued.</summary>
public interface IConfigPublisher
{
    /// <summary>Gets the latest published configuration, or <see langword="null"/> before the first publish.</summary>
    PublishedConfig? Latest { get; }

    /// <summary>Publishes a configuration. It replaces the latest one and is pushed to every connected data plane.</summary>
    /// <param name="json">The configuration as a UTF-8 JSON object.</param>
    /// <param name="version">A version to show on the data planes; default: the publish sequence number.</param>
    /// <param name="cancellationToken">Cancels the publish.</param>
    /// <returns>The published configuration (hash, version, sizes).</returns>
    /// <exception cref="ArgumentException"><paramref name="json"/> is not a well-formed JSON object.</exception>
    /// <exception cref="ControlPlaneBackplaneException">Replicas only: the backplane cannot be reached; nothing was published anywhere.</exception>
    ValueTask<PublishedConfig> PublishAsync(ReadOnlyMemory<byte> json, string? version = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Publishes a configuration written in YAML. It is converted to JSON by <see cref="YamlToJson"/>, the converter (and the
    /// limits: 16 MiB of YAML, 1,000,000 nodes counting alias expansions, depth 64) a data plane applies to its declarative
    /// file, so the data planes serve exactly the JSON they would make of the same YAML, with the same hash; then it is
    /// published as <see cref="PublishAsync"/> publishes JSON.
    /// </summary>
    /// <param name="yaml">One YAML document (UTF-8) whose root is a mapping.</param>
    /// <param name="version">A version to show on the data planes; default: the publish sequence number.</param>
    /// <param name="cancellationToken">Cancels the publish.</param>
    /// <returns>The published configuration (hash, version, sizes).</returns>
    /// <exception cref="ConfigFormatException">The YAML is too large, malformed or crosses a limit (<see cref="ConfigFormatException.Reason"/> is what a data plane would report); nothing is published.</exception>
    ValueTask<PublishedConfig> PublishYamlAsync(ReadOnlyMemory<byte> yaml, string? version = null, CancellationToken cancellationToken = default);

    /// <summary>Gets the licence sent to data planes, or <see langword="null"/> when none was set.</summary>
    LicenseDocument? License { get; }

    /// <summary>
    /// Sets the licence sent to data planes (a <c>license</c> message): at once to every connected data plane,
    /// and on every connect before the configuration. Data planes keep it beside their cache.
    /// </summary>
    /// <param name="license">The licence, signed with the control plane's key when data planes check signatures.</param>
    void PublishLicense(LicenseDocument license);
}
