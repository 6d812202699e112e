using System.Diagnostics;
using System.Globalization;
using Resilience.Benchmarks.Yarp;
using Resilience.Samples.Demo;

namespace Resilience.Benchmarks.Processes;

/// <summary>
/// The cold path and the request path measured in the real sample processes (not in this process, where
/// BenchmarkDotNet warms the code up): <c>sample-processes edit|restart|requests|all</c>, see bench/sample-processes.sh.
/// <list type="bullet">
/// <item><c>edit</c>: the ControlPlane sample publishes the file it watches to a Gateway sample over the real mutual-TLS
/// link; 20,000 routes land, then one-route edits; time from the file landing (an atomic rename) to the gateway
/// routing with the edited route, with the stages read from both processes' logs.</item>
/// <item><c>restart</c>: the gateway restarted with a cached configuration while the control plane is down, against the
/// plain YARP process (bench/PlainYarp) with the same route in its appsettings: process start -> first proxied 200,
/// alternating, medians.</item>
/// <item><c>requests</c>: both with the same 100 routes and the same upstream under <c>wrk</c>, alternating rounds.</item>
/// </list>
/// Options: <c>--runs N</c>, <c>--edits N</c>, <c>--rounds N</c>, <c>--seconds S</c>, <c>--variant name:KEY=VALUE,...</c>
/// (repeatable: runtime knobs such as <c>DOTNET_TieredPGO=0</c>, or <c>dll=PATH</c> for a ReadyToRun publish; see
/// <see cref="GatewayVariant"/>), <c>--gateway-dll PATH</c>, <c>--plain-dll PATH</c>, <c>--keep</c>.
/// </summary>
internal static class SampleProcessProfile
{
    public const string Command = "sample-processes";

    public static async Task<int> RunAsync(string[] args)
    {
        var options = ProfileOptions.Parse(args);
        Console.WriteLine($"sample processes: {string.Join(' ', args)}");
        foreach (var variant in options.Variants)
        {
            Console.WriteLine($"  gateway {variant}");
        }

        Console.WriteLine($"  {LoadAverage.Describe()}");
        await using var upstream = await Upstream.StartAsync();
        var workspace = Path.Combine(Path.GetTempPath(), "resilience-bench", "processes-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(workspace);
        try
        {
            var pki = DemoPki.Create(Path.Combine(workspace, "pki"));
            if (options.Scenario is "edit" or "all")
            {
                await EditScenario.RunAsync(options, pki, upstream.Url, workspace);
            }

            if (options.Scenario is "restart" or "all")
            {
                await RestartScenario.RunAsync(options, pki, upstream.Url, workspace);
            }

            if (options.Scenario is "requests" or "all")
            {
                await RequestPathScenario.RunAsync(options, pki, upstream.Url, workspace);
            }
        }
        finally
        {
            Console.WriteLine($"  {LoadAverage.Describe()}");
            if (options.Keep)
            {
                Console.WriteLine($"  workspace kept: {workspace}");
            }
            else
            {
                Directory.Delete(workspace, recursive: true);
            }
        }

        return 0;
    }

    /// <summary>The gateway's settings every scenario shares: its data directory, an admin key, the link (when an endpoint is given), console lines with timestamps.</summary>
    internal static Dictionary<string, string> GatewaySettings(GatewayVariant variant, DemoPki pki, string dataDirectory, string? endpoint)
    {
        var settings = new Dictionary<string, string>
        {
            ["Gateway:AdminKey"] = AdminKey,
            ["Resilience:NodeId"] = "bench-gateway",
            ["Resilience:DataDirectory"] = dataDirectory,
            ["Resilience:Declarative:Path"] = Path.Combine(dataDirectory, "absent.yaml"),
            ["Logging:Console:FormatterName"] = "simple",
            ["Logging:Console:FormatterOptions:SingleLine"] = "true",
            ["Logging:Console:FormatterOptions:TimestampFormat"] = "HH:mm:ss.fff ",
        };
        if (endpoint is not null)
        {
            settings["Resilience:ClusterLink:Endpoint"] = endpoint;
            settings["Resilience:ClusterLink:ServerName"] = "localhost";
            settings["Resilience:ClusterLink:ClientCertificatePath"] = pki.ClientCertificatePath;
            settings["Resilience:ClusterLink:ClientKeyPath"] = pki.ClientKeyPath;
            settings["Resilience:ClusterLink:TrustedCaPath"] = pki.CaPath;
        }

        foreach (var (key, value) in variant.Environment)
        {
            settings[key] = value;
        }

        return settings;
    }

    /// <summary>
    /// Starts the ControlPlane sample watching <paramref name="configPath"/> and serving gateways with client certificates
    /// of <paramref name="pki"/> on <paramref name="hubPort"/>, with timestamped console lines; returns once it has
    /// published the file (the caller disposes it).
    /// </summary>
    internal static async Task<SampleProcess> StartControlPlaneAsync(string dll, DemoPki pki, string configPath, int hubPort)
    {
        var adminPort = FreePort();
        var settings = new Dictionary<string, string>
        {
            ["ControlPlane:HubPort"] = hubPort.ToString(CultureInfo.InvariantCulture),
            ["ControlPlane:AdminPort"] = adminPort.ToString(CultureInfo.InvariantCulture),
            ["ControlPlane:ServerCertificatePath"] = pki.ServerCertificatePath,
            ["ControlPlane:ServerKeyPath"] = pki.ServerKeyPath,
            ["ControlPlane:ConfigPath"] = configPath,
            ["DataPlaneHub:AuthenticationMode"] = "Pki",
            ["DataPlaneHub:TrustedCaPath"] = pki.CaPath,
            ["Logging:Console:FormatterName"] = "simple",
            ["Logging:Console:FormatterOptions:SingleLine"] = "true",
            ["Logging:Console:FormatterOptions:TimestampFormat"] = "HH:mm:ss.fff ",
        };
        var controlPlane = SampleProcess.Start(dll, [], settings, Path.GetDirectoryName(dll)!);
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        if (!await UntilAsync(async () => (await client.GetAsync($"http://127.0.0.1:{adminPort}/config")).IsSuccessStatusCode, TimeSpan.FromSeconds(60), 20))
        {
            var lines = string.Join('\n', controlPlane.Lines().Select(l => l.Line));
            await controlPlane.DisposeAsync();
            throw new InvalidOperationException("the control plane did not publish its file within 60 s:\n" + lines);
        }

        return controlPlane;
    }

    internal const string AdminKey = "bench-admin-key";

    internal static int FreePort() => Tests.FreePort.Next();

    /// <summary>Polls until <paramref name="condition"/> holds (a refused connection or a timeout counts as not yet).</summary>
    internal static async Task<bool> UntilAsync(Func<Task<bool>> condition, TimeSpan timeout, int pauseMilliseconds = 5)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < timeout)
        {
            try
            {
                if (await condition())
                {
                    return true;
                }
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException)
            {
            }

            await Task.Delay(pauseMilliseconds);
        }

        return false;
    }

    /// <summary>Applies <paramref name="json"/> through the gateway's admin endpoint (the manual tier), retrying until it answers.</summary>
    internal static async Task<bool> ApplyByHandAsync(string gatewayUrl, string json)
    {
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        client.DefaultRequestHeaders.Add("X-Admin-Key", AdminKey);
        return await UntilAsync(
            async () =>
            {
                using var response = await client.PostAsync(gatewayUrl + "/resilience/apply", new StringContent(json, System.Text.Encoding.UTF8, "application/json"));
                return response.IsSuccessStatusCode;
            },
            TimeSpan.FromSeconds(60),
            50);
    }

    /// <summary>Writes <paramref name="content"/> beside <paramref name="path"/> and renames it over it: the file lands in one step.</summary>
    internal static async Task LandAsync(string path, byte[] content)
    {
        var staged = path + ".staged";
        await File.WriteAllBytesAsync(staged, content);
        File.Move(staged, path, overwrite: true);
    }

    internal static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length == 0 ? double.NaN : sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }

    internal static string Ms(double milliseconds) => milliseconds.ToString("F0", CultureInfo.InvariantCulture) + " ms";

    internal static double MillisecondsBetween(long from, long to) => Stopwatch.GetElapsedTime(from, to).TotalMilliseconds;
}

/// <summary>What the command line asks for.</summary>
internal sealed class ProfileOptions
{
    public string Scenario { get; private set; } = "all";

    public int Runs { get; private set; } = 3;

    public int Rounds { get; private set; } = 5;

    public int Seconds { get; private set; } = 10;

    public int Edits { get; private set; } = 3;

    /// <summary>Gets a value indicating whether the workspace (PKI, data directories, configurations) is kept, to start a process by hand (a trace).</summary>
    public bool Keep { get; private set; }

    public string GatewayDll { get; private set; } = Sibling("../../../../../samples/Gateway/bin/Release/net10.0/Gateway.dll");

    public string ControlPlaneDll { get; private set; } = Sibling("../../../../../samples/ControlPlane/bin/Release/net10.0/ControlPlane.dll");

    public string PlainYarpDll { get; private set; } = Sibling("../../../../PlainYarp/bin/Release/net10.0/PlainYarp.dll");

    /// <summary>Gets the ways of running the gateway to compare (at least one: the sample as built).</summary>
    public List<GatewayVariant> Variants { get; } = [];

    public static ProfileOptions Parse(string[] args)
    {
        string? Value(string name) => args.SkipWhile(a => a != name).Skip(1).FirstOrDefault();
        int Number(string name, int fallback) => Value(name) is { } text ? int.Parse(text, CultureInfo.InvariantCulture) : fallback;
        var options = new ProfileOptions
        {
            Scenario = args.Skip(1).FirstOrDefault(a => !a.StartsWith("--", StringComparison.Ordinal)) ?? "all",
            Runs = Number("--runs", 3),
            Rounds = Number("--rounds", 5),
            Seconds = Number("--seconds", 10),
            Edits = Number("--edits", 3),
            Keep = args.Contains("--keep"),
        };
        if (Value("--gateway-dll") is { } gateway)
        {
            options.GatewayDll = Path.GetFullPath(gateway);
        }

        if (Value("--plain-dll") is { } plain)
        {
            options.PlainYarpDll = Path.GetFullPath(plain);
        }

        for (var i = 0; i < args.Length - 1; i++)
        {
            if (args[i] == "--variant")
            {
                options.Variants.Add(GatewayVariant.Parse(args[i + 1], options.GatewayDll));
            }
        }

        if (options.Variants.Count == 0)
        {
            options.Variants.Add(new GatewayVariant("default", options.GatewayDll, new Dictionary<string, string>()));
        }

        foreach (var dll in options.Variants.SelectMany(v => new[] { v.Dll, v.ControlPlaneDll ?? options.ControlPlaneDll }).Append(options.PlainYarpDll))
        {
            if (!File.Exists(dll))
            {
                throw new FileNotFoundException($"{dll} is missing: build the samples and bench/PlainYarp in Release first (bench/sample-processes.sh does)", dll);
            }
        }

        return options;
    }

    private static string Sibling(string relative) => Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, relative));
}

/// <summary>The machine's load, printed with every figure (other engineers build and test on it).</summary>
internal static class LoadAverage
{
    public static string Describe()
    {
        var fields = File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ') : [];
        return fields.Length >= 3 ? $"load average {fields[0]} {fields[1]} {fields[2]} on {Environment.ProcessorCount} cores ({DateTime.UtcNow:HH:mm} UTC)" : "load average unknown";
    }
}

/// <summary>The upstream both gateways forward to: a minimal Kestrel app in this process.</summary>
internal sealed class Upstream : IAsyncDisposable
{
    private readonly Microsoft.AspNetCore.Builder.WebApplication _app;

    private Upstream(Microsoft.AspNetCore.Builder.WebApplication app, string url)
    {
        _app = app;
        Url = url;
    }

    public string Url { get; }

    public static async Task<Upstream> StartAsync()
    {
        var app = await YarpApplyProfile.StartUpstreamAppAsync();
        return new Upstream(app, app.Urls.Single().TrimEnd('/') + "/");
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
