namespace Resilience.Samples.ControlPlane;

/// <summary>Where the control plane listens, its certificate and the file it publishes (section <c>ControlPlane</c>).</summary>
public sealed class ControlPlaneOptions
{
    /// <summary>The address both listeners bind to.</summary>
    public string ListenAddress { get; set; } = "127.0.0.1";

    /// <summary>The mutual-TLS port data planes connect to (<c>wss://host:port/v1/outlet</c>).</summary>
    public int HubPort { get; set; } = 8005;

    /// <summary>The plain-HTTP port of the operator endpoints (<c>/nodes</c>, <c>/config</c>); keep it on loopback.</summary>
    public int AdminPort { get; set; } = 8006;

    /// <summary>PEM file of the server certificate (followed by its chain, if any).</summary>
    public string ServerCertificatePath { get; set; } = "cp.pem";

    /// <summary>PEM file of the server certificate's private key.</summary>
    public string ServerKeyPath { get; set; } = "cp.key";

    /// <summary>The watched configuration file: a JSON object (published byte for byte) or YAML (converted to JSON).</summary>
    public string ConfigPath { get; set; } = "gateway-config.yaml";

    /// <summary>How long the file must stay unchanged before it is published (editors write in several steps).</summary>
    public TimeSpan Debounce { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>
    /// A JSON file with a <see cref="Resilience.ControlPlane.RolloutPlan"/> (<c>{"Waves":[{"Labels":{"ring":"canary"},"BakeTime":"00:05:00"},{"EveryoneElse":true}]}</c>).
    /// While it exists, every publish of the watched file is a staged rollout with this plan; without it, a publish goes to every node at once.
    /// </summary>
    public string RolloutPlanPath { get; set; } = "rollout-plan.json";
}
