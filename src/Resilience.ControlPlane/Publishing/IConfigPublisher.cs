namespace Resilience.ControlPlane;

/// <summary>Publishes configurations to the data planes: the latest one is pushed at once to every connected data plane and on every connect; nothing older is queued.</summary>
public interface IConfigPublisher
{
    /// <summary>Gets the latest published configuration (a staged rollout's candidate while it runs), or <see langword="null"/> before the first publish.</summary>
    PublishedConfig? Latest { get; }

    /// <summary>
    /// Gets the fleet's stable configuration: the latest one published without a <see cref="RolloutPlan"/>, or the
    /// candidate of the last rollout that completed. Nodes outside a running rollout serve it, nodes of a halted
    /// rollout go back to it, and it is the only one the control plane exports to the fallback store.
    /// </summary>
    PublishedConfig? Stable { get; }

    /// <summary>
    /// Publishes a configuration. Without a plan it goes to every node at once: it replaces the latest one and is pushed
    /// to every connected data plane (and supersedes a running rollout). With a plan it is a staged rollout: the first
    /// wave's nodes get it at once, every other node keeps the stable configuration until its wave starts, and a failed
    /// gate rolls it back (<see cref="IConfigRollouts"/> reports and steers it). Before anything is published the
    /// configuration goes through the validators registered with <c>AddDataPlaneHubValidator</c> (the ones the nodes
    /// run). A publish while a rollout runs supersedes it, or is refused when <see cref="RolloutOptions.WhenRunning"/> says so.
    /// </summary>
    /// <param name="json">The configuration as a UTF-8 JSON object.</param>
    /// <param name="version">A version to show on the data planes; default: the publish sequence number.</param>
    /// <param name="plan">The rollout's waves, or <see langword="null"/> for everyone at once.</param>
    /// <param name="cancellationToken">Cancels the publish.</param>
    /// <returns>The published configuration (with <see cref="PublishedConfig.RolloutId"/> when a plan was given).</returns>
    /// <exception cref="ArgumentException"><paramref name="json"/> is not a well-formed JSON object, or the plan cannot be used (every problem listed).</exception>
    /// <exception cref="ConfigValidationException">A registered validator refused the configuration (every error listed); nothing was published.</exception>
    /// <exception cref="RolloutInProgressException">A rollout runs and <see cref="RolloutOptions.WhenRunning"/> is <see cref="RolloutConflictBehavior.Refuse"/>; nothing was published.</exception>
    /// <exception cref="ControlPlaneBackplaneException">Replicas only: the backplane cannot be reached.</exception>
    /// <exception cref="NotSupportedException">A plan was given and the replicas' backplane cannot hold rollouts (<see cref="IControlPlaneRolloutBackplane"/>); nothing was published.</exception>
    ValueTask<PublishedConfig> PublishAsync(ReadOnlyMemory<byte> json, string? version = null, RolloutPlan? plan = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Publishes a configuration written in YAML. It is converted to JSON by <see cref="YamlToJson"/>, the converter (and the
    /// limits: 16 MiB of YAML, 1,000,000 nodes counting alias expansions, depth 64) a data plane applies to its declarative
    /// file, so the data planes serve exactly the JSON they would make of the same YAML, with the same hash; then it is
    /// published as <see cref="PublishAsync"/> publishes JSON, to everyone or with a rollout plan.
    /// </summary>
    /// <param name="yaml">One YAML document (UTF-8) whose root is a mapping.</param>
    /// <param name="version">A version to show on the data planes; default: the publish sequence number.</param>
    /// <param name="plan">The rollout's waves, or <see langword="null"/> for everyone at once.</param>
    /// <param name="cancellationToken">Cancels the publish.</param>
    /// <returns>The published configuration.</returns>
    /// <exception cref="ConfigFormatException">The YAML is too large, malformed or crosses a limit (<see cref="ConfigFormatException.Reason"/> is what a data plane would report); nothing is published.</exception>
    /// <exception cref="ArgumentException">The plan cannot be used.</exception>
    /// <exception cref="ConfigValidationException">A registered validator refused the configuration.</exception>
    /// <exception cref="RolloutInProgressException">A rollout runs and publishes are refused meanwhile.</exception>
    /// <exception cref="ControlPlaneBackplaneException">Replicas only: the backplane cannot be reached.</exception>
    ValueTask<PublishedConfig> PublishYamlAsync(ReadOnlyMemory<byte> yaml, string? version = null, RolloutPlan? plan = null, CancellationToken cancellationToken = default);

    /// <summary>Gets the licence sent to data planes, or <see langword="null"/> when none was set.</summary>
    LicenseDocument? License { get; }

    /// <summary>
    /// Sets the licence sent to data planes (a <c>license</c> message): at once to every connected data plane,
    /// and on every connect before the configuration. Data planes keep it beside their cache.
    /// </summary>
    /// <param name="license">The licence, signed with the control plane's key when data planes check signatures.</param>
    void PublishLicense(LicenseDocument license);
}
