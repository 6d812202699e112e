
namespace Resilience.Samples.Demo;

/// <summary>
/// The reference's outage scenarios, end to end on loopback: a control plane, an upstream and gateway nodes as
/// separate processes, the file-system (or S3) fallback store, real HTTP traffic in every phase.
/// </summary>
internal sealed partial class OutageScenario : IDisposable
{
    private const int RequestsPerPhase = 50;
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan ConvergeTimeout = TimeSpan.FromSeconds(20);

    private readonly DemoArguments _arguments;
    private readonly HttpClient _client = new() { Timeout = TimeSpan.FromSeconds(5) };
    private readonly Dictionary<string, string> _versionByHash = new(StringComparer.Ordinal);
    private readonly string _workspace;
    private readonly string _logs;
    private readonly string _controlPlaneFile;
    private readonly string _rolloutPlanFile;
    private readonly string _runId = DateTime.UtcNow.ToString("yyyyMMddHHmmss", System.Globalization.CultureInfo.InvariantCulture);
    private string _upstreamUrl = string.Empty;
    private string _deadUpstreamUrl = string.Empty;
    private string _foreignUpstreamUrl = string.Empty;
    private string _storage = string.Empty;
    private string _emptyStorage = string.Empty;
    private ChildProcess? _upstream;
    private ControlPlaneNode? _controlPlane;
    private GatewayNode? _a;
    private GatewayNode? _b;
    private GatewayNode? _c;

    public OutageScenario(DemoArguments arguments)
    {
        _arguments = arguments;
        _workspace = arguments.Workspace;
        _logs = Path.Combine(_workspace, "logs");
        _controlPlaneFile = Path.Combine(_workspace, "control-plane", "gateway-config.yaml");
        _rolloutPlanFile = Path.Combine(_workspace, "control-plane", "rollout-plan.json");
    }

    private ControlPlaneNode ControlPlane => _controlPlane ?? throw new InvalidOperationException("not set up");

    private GatewayNode A => _a ?? throw new InvalidOperationException("not set up");

    private GatewayNode B => _b ?? throw new InvalidOperationException("not set up");

    private GatewayNode C => _c ?? throw new InvalidOperationException("not set up");

    private GatewayNode[] Gateways => [A, B, C];

    /// <returns><see langword="true"/> when every phase passed.</returns>
    public async Task<bool> RunAsync(CancellationToken cancellationToken)
    {
        var total = System.Diagnostics.Stopwatch.StartNew();
        await SetUpAsync(cancellationToken);
        (string Title, Func<Phase, CancellationToken, Task> Run)[] steps =
        [
            ("a. push: CP publishes v1; A serves it and exports it to the store", PushAsync),
            ("b. CP down (killed): A keeps serving v1", ControlPlaneDownAsync),
            ("c. A killed and restarted while CP down: serves its cache", RestartWhileControlPlaneDownAsync),
            ("d. new node B while CP down: imports from the fallback store", NewNodeFromStoreAsync),
            ("e. new node C, no cache, empty store: loads the YAML", NewNodeFromYamlAsync),
            ("f. CP back after edits v2, v3, v4: all on v4, never v2/v3", ControlPlaneBackAsync),
            ("g. CP up, file edited to v5 (YAML): pushed to every node", LiveEditAsync),
            .. RolloutPhases,
        ];

        var phases = new List<Phase>();
        foreach (var (title, run) in steps)
        {
            if (phases.Any(p => !p.Passed))
            {
                phases.Add(Phase.NotRun(title));
                continue;
            }

            var phase = new Phase(title);
            Console.WriteLine($"-- {title}");
            try
            {
                await run(phase, cancellationToken);
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
            {
                phase.Expect(false, $"{ex.GetType().Name}: {ex.Message}");
            }

            phase.Finish();
            phase.Serving = await DescribeServingAsync(cancellationToken);
            Report(phase);
            phases.Add(phase);
        }

        Timeline.Print(phases);
        var passed = phases.All(p => p.Passed);
        Console.WriteLine(passed
            ? $"demo: all {phases.Count} phases passed in {total.Elapsed.TotalSeconds:F1} s (logs: {_logs})"
            : $"demo: FAILED ({phases.Count(p => !p.Passed)} of {phases.Count} phases did not pass; logs: {_logs})");
        return passed;
    }

    public void Dispose()
    {
        _a?.Dispose();
        _b?.Dispose();
        _c?.Dispose();
        _controlPlane?.Dispose();
        _upstream?.Dispose();
        _client.Dispose();
    }

    private async Task SetUpAsync(CancellationToken cancellationToken)
    {
        if (Directory.Exists(_workspace))
        {
            Directory.Delete(_workspace, recursive: true);
        }

        Directory.CreateDirectory(Path.GetDirectoryName(_controlPlaneFile)!);
        Console.WriteLine($"demo workspace: {_workspace}");
        var pki = DemoPki.Create(Path.Combine(_workspace, "pki"));

        _upstreamUrl = $"http://127.0.0.1:{FreePort()}";
        _deadUpstreamUrl = $"http://127.0.0.1:{FreePort()}";
        _foreignUpstreamUrl = $"http://127.0.0.1:{FreePort()}";
        _upstream = ChildProcess.Start(SampleBinaries.Demo, ["upstream", _upstreamUrl], new Dictionary<string, string>(), Path.Combine(_logs, "upstream.log"));
        var yamlPath = Path.Combine(_workspace, "fallback.yaml");
        await File.WriteAllTextAsync(yamlPath, "# Tier 4: served only when the control plane, the cache and the fallback store have nothing.\n" + GatewayConfigs.Yaml(GatewayConfigs.DeclarativeVersion, _upstreamUrl), cancellationToken);

        if (_arguments.Storage is { } cloud)
        {
            if (cloud.Scheme == "azure" && Environment.GetEnvironmentVariable("AZURE_STORAGE_CONNECTION_STRING") is { Length: > 0 } connection)
            {
                // The store never creates its container (an operator does, with its access policy); the demo does, so a
                // fresh Azurite works as it is.
                await new Azure.Storage.Blobs.BlobServiceClient(connection).GetBlobContainerClient(cloud.Host).CreateIfNotExistsAsync(cancellationToken: cancellationToken);
            }

            // One prefix per run, so an earlier run's export cannot stand in for this one's.
            var prefix = cloud.AbsoluteUri.TrimEnd('/');
            _storage = $"{prefix}/demo-{_runId}";
            _emptyStorage = $"{prefix}/demo-{_runId}-empty";
        }
        else
        {
            _storage = new Uri(Path.Combine(_workspace, "store") + "/").AbsoluteUri;
            _emptyStorage = new Uri(Path.Combine(_workspace, "empty-store") + "/").AbsoluteUri;
        }

        var hubPort = FreePort();
        var adminPort = FreePort();
        _controlPlane = new ControlPlaneNode(ControlPlaneSettings(pki, hubPort, adminPort), adminPort, Path.Combine(_logs, "control-plane.log"));
        var endpoint = $"wss://127.0.0.1:{hubPort}/v1/outlet";
        _a = Gateway("A", GatewaySettings("a", pki, endpoint, yamlPath, _storage, [_upstreamUrl, _deadUpstreamUrl], export: true, canary: true));
        _b = Gateway("B", GatewaySettings("b", pki, endpoint, yamlPath, _storage, [_upstreamUrl, _deadUpstreamUrl], export: false));
        _c = Gateway("C", GatewaySettings("c", pki, endpoint, yamlPath, _emptyStorage, [_upstreamUrl, _deadUpstreamUrl], export: false));

        Console.WriteLine($"upstream {_upstreamUrl}; control plane {endpoint} (mTLS, PKI mode), admin http://127.0.0.1:{adminPort}/nodes");
        Console.WriteLine($"fallback store {_storage}; gateways A {A.Url}, B {B.Url}, C {C.Url}");
        ControlPlane.Start();
        await ControlPlane.WaitUntilListeningAsync(_client, StartTimeout, cancellationToken);
        var upstreamUp = await Poll.UntilAsync(async () => (await _client.GetAsync(_upstreamUrl, cancellationToken)).IsSuccessStatusCode, StartTimeout, cancellationToken);
        if (!upstreamUp)
        {
            throw new TimeoutException("the upstream did not start");
        }

        GatewayNode Gateway(string name, Dictionary<string, string> settings) =>
            new(name, FreePort(), settings, Path.Combine(_logs, $"gateway-{name.ToLowerInvariant()}.log"));
    }

    private Dictionary<string, string> ControlPlaneSettings(DemoPki pki, int hubPort, int adminPort) => new(ChildLogging)
    {
        ["ControlPlane:HubPort"] = hubPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["ControlPlane:AdminPort"] = adminPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["ControlPlane:ServerCertificatePath"] = pki.ServerCertificatePath,
        ["ControlPlane:ServerKeyPath"] = pki.ServerKeyPath,
        ["ControlPlane:ConfigPath"] = _controlPlaneFile,
        ["ControlPlane:Debounce"] = "00:00:00.100",
        ["ControlPlane:RolloutPlanPath"] = _rolloutPlanFile,
        ["Logging:LogLevel:Resilience.ControlPlane.DataPlaneHub"] = "Debug", // "Sent configuration ... to data plane ...": who got what
        ["DataPlaneHub:Rollouts:EvaluationInterval"] = "00:00:00.200",
        ["DataPlaneHub:AuthenticationMode"] = "Pki",
        ["DataPlaneHub:TrustedCaPath"] = pki.CaPath,
        ["DataPlaneHub:DataPlaneTimeout"] = "00:00:05",
    };

    /// <summary>
    /// A gateway node: the link to the CP over mTLS, a data directory (cache), the store, the YAML; short intervals; the
    /// upstreams its site allows (a configuration routing anywhere else is refused on the node: the real upstream, and a
    /// port where nothing listens, which a configuration every node accepts can route to); and the sample's bake with a
    /// short detection window, so that a node reverts a configuration whose requests fail within seconds.
    /// </summary>
    private static Dictionary<string, string> GatewaySettings(string id, DemoPki pki, string endpoint, string yamlPath, string storage, string[] allowedUpstreams, bool export, bool canary = false) => new(ChildLogging)
    {
        ["Gateway:AllowedUpstreams:0"] = allowedUpstreams[0],
        ["Gateway:AllowedUpstreams:1"] = allowedUpstreams[1],
        ["Resilience:Bake:DetectionWindow"] = BakeDetectionWindow.ToString("c", System.Globalization.CultureInfo.InvariantCulture),
        ["Resilience:Bake:MinimumRequests"] = "10",
        ["Resilience:NodeId"] = $"gateway-{id}",
        ["Resilience:Labels:role"] = export ? "backup" : "worker",
        ["Resilience:Labels:ring"] = canary ? "canary" : "main",
        ["Resilience:DataDirectory"] = Path.Combine(Path.GetDirectoryName(yamlPath)!, "nodes", id),
        ["Resilience:StartupTimeout"] = "00:00:03",
        ["Resilience:Declarative:Path"] = yamlPath,
        ["Resilience:FallbackStore:Storage"] = storage,
        ["Resilience:FallbackStore:Import"] = "true",
        ["Resilience:FallbackStore:Export"] = export ? "true" : "false",
        ["Resilience:FallbackStore:ExportDelay"] = "00:00:00.300",
        ["Resilience:FallbackStore:ElectionInterval"] = "00:00:00.500",
        // A store call must give up within the grace (start-up checks it). With --storage azure://..., a new gateway's
        // first request runs the Azure SDK's pipeline cold (tier-0 JIT, seconds on a loaded machine): a longer grace
        // and one attempt that may use it all, so the import does not give up on JIT time.
        ["Resilience:FallbackStore:ElectionGrace"] = storage.StartsWith("azure:", StringComparison.Ordinal) ? "00:00:05" : "00:00:02",
        ["Resilience:FallbackStore:S3:AttemptTimeout"] = "00:00:01",
        ["Resilience:FallbackStore:S3:TotalTimeout"] = "00:00:02",
        ["Resilience:FallbackStore:Azure:AttemptTimeout"] = "00:00:05",
        ["Resilience:FallbackStore:Azure:TotalTimeout"] = "00:00:05",
        ["Resilience:ClusterLink:Endpoint"] = endpoint,
        ["Resilience:ClusterLink:ServerName"] = "localhost",
        ["Resilience:ClusterLink:ClientCertificatePath"] = pki.ClientCertificatePath,
        ["Resilience:ClusterLink:ClientKeyPath"] = pki.ClientKeyPath,
        ["Resilience:ClusterLink:TrustedCaPath"] = pki.CaPath,
        ["Resilience:ClusterLink:HeartbeatInterval"] = HeartbeatInterval.ToString("c", System.Globalization.CultureInfo.InvariantCulture),
        ["Resilience:ClusterLink:HeartbeatTimeout"] = "00:00:03",
        ["Resilience:ClusterLink:ReconnectDelayMin"] = "00:00:00.500",
        ["Resilience:ClusterLink:ReconnectDelayMax"] = "00:00:01",
        ["Resilience:ClusterLink:ConnectTimeout"] = "00:00:02",
    };

    private static IReadOnlyDictionary<string, string> ChildLogging { get; } = new Dictionary<string, string>
    {
        ["Logging:Console:FormatterName"] = "simple",
        ["Logging:Console:FormatterOptions:SingleLine"] = "true",
        ["Logging:Console:FormatterOptions:TimestampFormat"] = "HH:mm:ss.fff ",
    };

    private static int FreePort() => FreeLoopbackPort.Next();

    /// <summary>Writes a new version of the control plane's watched file and remembers its hash.</summary>
    private async Task<string> WriteControlPlaneFileAsync(string version, CancellationToken cancellationToken, string? upstreamUrl = null)
    {
        var json = GatewayConfigs.Json(version, upstreamUrl ?? _upstreamUrl);
        var hash = GatewayConfigs.Hash(json);
        _versionByHash[hash] = version;
        await ReplaceControlPlaneFileAsync(json, cancellationToken);
        return hash;
    }

    /// <summary>Replaces the watched file in one step (write aside, then rename), as a deployment tool would.</summary>
    private async Task ReplaceControlPlaneFileAsync(string content, CancellationToken cancellationToken)
    {
        var staged = _controlPlaneFile + ".staged";
        await File.WriteAllTextAsync(staged, content, cancellationToken);
        File.Move(staged, _controlPlaneFile, overwrite: true);
    }

    private string Label(string? hash) =>
        hash is null ? "none" : _versionByHash.TryGetValue(hash, out var version) ? version : hash[..8];

    private async Task<string> DescribeServingAsync(CancellationToken cancellationToken)
    {
        var parts = new List<string>();
        foreach (var node in Gateways.Where(n => n.IsRunning))
        {
            try
            {
                var state = await node.StateAsync(_client, cancellationToken);
                parts.Add($"{node.Name}={state?.ServingTier}/{Label(state?.Hash)}");
            }
            catch (HttpRequestException)
            {
                parts.Add($"{node.Name}=unreachable");
            }
        }

        return parts.Count == 0 ? "-" : string.Join(" ", parts);
    }

    private static void Report(Phase phase)
    {
        Console.WriteLine($"   [{(phase.Passed ? "ok" : "FAIL")}] {phase.Ok}/{phase.Total} requests ok{(phase.Failed > 0 ? $" ({phase.Failed} failed on the bad configuration, measured)" : string.Empty)} in {phase.Duration.TotalSeconds:F1} s; serving {phase.Serving}");
        foreach (var problem in phase.Problems)
        {
            Console.WriteLine($"   problem: {problem}");
        }
    }
}
