using System.ComponentModel.DataAnnotations;

namespace Resilience.ControlPlane;

/// <summary>How a control-plane replica uses its <see cref="IControlPlaneBackplane"/>. Validated at start-up.</summary>
public sealed class ControlPlaneBackplaneOptions
{
    /// <summary>
    /// Gets or sets this replica's id, shown in the fleet registry (<see cref="DataPlaneInfo.ReplicaId"/>). Default: the
    /// host name and a random suffix chosen at start (unique per process, not stable across restarts).
    /// </summary>
    [MaxLength(128)]
    public string? ReplicaId { get; set; }

    /// <summary>
    /// Gets or sets how often the replica reads the fleet's latest configuration (publish notifications are hints and may
    /// be lost) and writes back its own when the backplane lost it. Default: 30 s.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "01:00:00")]
    public TimeSpan ReconcileInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Gets or sets how often the replica reports its data planes and reads the other replicas' (how stale the fleet
    /// registry may be). A replica's report lives three intervals. Default: 5 s.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "01:00:00")]
    public TimeSpan RegistryInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Gets or sets how long start-up waits for the fleet's latest configuration before the replica serves without it (it
    /// keeps trying afterwards). Default: 10 s.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:10:00")]
    public TimeSpan StartupTimeout { get; set; } = TimeSpan.FromSeconds(10);
}

/// <summary>Validates <see cref="ControlPlaneBackplaneOptions"/> at start-up (source-generated from its attributes).</summary>
[Microsoft.Extensions.Options.OptionsValidator]
internal sealed partial class ControlPlaneBackplaneOptionsValidator : Microsoft.Extensions.Options.IValidateOptions<ControlPlaneBackplaneOptions>
{
}
