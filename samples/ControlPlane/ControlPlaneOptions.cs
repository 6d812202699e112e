namespace Resilience.Samples.ControlPlane;

/// <summary>
/// Where the control plane listens, its certificate and the file it publishes (section <c>ControlPlane</c>). Relative
/// paths are relative to the directory the sample is started from; its settings (appsettings.json) are its own
/// wherever it is started.
/// </summary>
public sealed class ControlPlaneOptions
{
    /// <summary>The address both listeners bind to.</summary>
    public string ListenAddress { get; set; } = "127.0.0.1";

    /// <summary>The mutual-TLS port data planes connect to (<c>wss://host:port/v1/outlet</c>).</summary>
    public int HubPort { get; set; } = 8005;

    /// <summary>The plain-HTTP port of the operator endpoints (<c>/nodes</c>, <c>/config</c>); keep it on loopback.</summary>
    public int AdminPort { get; set; } = 8006;

    /// <summary>
    /// The folder of a development PKI (<c>dotnet run --project samples/Demo -c Release -- pki DIR</c>): the server
    /// certificate and key (<c>cp.pem</c>, <c>cp.key</c>) and, in PKI mode, the CA that node certificates must chain to
    /// (<c>ca.pem</c>), unless set one by one. Command line: <c>--pki DIR</c>.
    /// </summary>
    public string PkiDirectory { get; set; } = "pki";

    /// <summary>PEM file of the server certificate (followed by its chain, if any); default <c>cp.pem</c> in <see cref="PkiDirectory"/>.</summary>
    public string? ServerCertificatePath { get; set; }

    /// <summary>PEM file of the server certificate's private key; default <c>cp.key</c> in <see cref="PkiDirectory"/>.</summary>
    public string? ServerKeyPath { get; set; }

    /// <summary>The watched configuration file: a JSON object (published byte for byte) or YAML (converted to JSON). Command line: <c>--config FILE</c>.</summary>
    public string ConfigPath { get; set; } = "gateway-config.yaml";

    /// <summary>How long a file written in place must stay unchanged before it is published (editors write in several steps); a file renamed into place is published at once.</summary>
    public TimeSpan Debounce { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>
    /// A JSON file with a <see cref="Resilience.ControlPlane.RolloutPlan"/> (<c>{"Waves":[{"Labels":{"ring":"canary"},"BakeTime":"00:05:00"},{"EveryoneElse":true}]}</c>).
    /// While it exists, every publish of the watched file is a staged rollout with this plan; without it, a publish goes to every node at once.
    /// </summary>
    public string RolloutPlanPath { get; set; } = "rollout-plan.json";
}
