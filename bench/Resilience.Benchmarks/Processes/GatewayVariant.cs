namespace Resilience.Benchmarks.Processes;

/// <summary>
/// One way of running the Gateway sample: a build (<c>dll</c>, e.g. a ReadyToRun publish) and runtime settings
/// (<c>DOTNET_TieredPGO=0</c>, ...). Given as <c>--variant name:KEY=VALUE,KEY=VALUE</c> (the key <c>dll</c> names
/// the build; <c>controlplane</c> the ControlPlane sample's build the <c>edit</c> scenario pairs with it); the
/// scenarios alternate the variants run by run, so their figures share the machine's load.
/// </summary>
internal sealed record GatewayVariant(string Name, string Dll, IReadOnlyDictionary<string, string> Environment)
{
    /// <summary>Gets the ControlPlane sample's build for this variant (none: the one the scenario is given).</summary>
    public string? ControlPlaneDll { get; private init; }

    public static GatewayVariant Parse(string spec, string defaultDll)
    {
        var colon = spec.IndexOf(':', StringComparison.Ordinal);
        var name = colon < 0 ? spec : spec[..colon];
        var environment = new Dictionary<string, string>(StringComparer.Ordinal);
        var dll = defaultDll;
        string? controlPlane = null;
        foreach (var pair in colon < 0 ? [] : spec[(colon + 1)..].Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            var (key, value) = pair.Split('=', 2) is [var k, var v] ? (k, v) : throw new ArgumentException($"'{pair}' in --variant {spec} is not KEY=VALUE");
            if (key == "dll")
            {
                dll = Path.GetFullPath(value);
            }
            else if (key == "controlplane")
            {
                controlPlane = Path.GetFullPath(value);
            }
            else
            {
                environment[key] = value;
            }
        }

        return new GatewayVariant(name, dll, environment) { ControlPlaneDll = controlPlane };
    }

    public override string ToString() =>
        $"{Name} ({Dll}{(ControlPlaneDll is null ? "" : "; control plane " + ControlPlaneDll)}{(Environment.Count > 0 ? "; " + string.Join(' ', Environment.Select(e => $"{e.Key}={e.Value}")) : "")})";
}
