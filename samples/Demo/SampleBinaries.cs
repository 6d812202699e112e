namespace Resilience.Samples.Demo;

/// <summary>Finds the built samples next to this one: <c>samples/&lt;name&gt;/bin/&lt;configuration&gt;/net10.0/&lt;name&gt;.dll</c>.</summary>
internal static class SampleBinaries
{
    private static readonly DirectoryInfo Output = new(Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory));

    public static string Gateway => Find("Gateway");

    public static string ControlPlane => Find("ControlPlane");

    /// <summary>This executable (its <c>upstream</c> mode is the demo's upstream service).</summary>
    public static string Demo => typeof(SampleBinaries).Assembly.Location;

    private static string Find(string project)
    {
        // .../samples/Demo/bin/<configuration>/net10.0/ -> .../samples/<project>/bin/<configuration>/net10.0/<project>.dll
        var framework = Output.Name;
        var configuration = Output.Parent!.Name;
        var samples = Output.Parent.Parent!.Parent!.Parent!.FullName;
        var dll = Path.Combine(samples, project, "bin", configuration, framework, project + ".dll");
        return File.Exists(dll) ? dll : throw new FileNotFoundException($"{dll} is missing; build the solution first (scripts/demo.sh does)", dll);
    }
}
