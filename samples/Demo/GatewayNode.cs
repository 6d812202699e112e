using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Resilience.Samples.Demo;

/// <summary>A gateway node (the Gateway sample) that can be killed and started again on the same data directory.</summary>
internal sealed partial class GatewayNode(string name, int port, IReadOnlyDictionary<string, string> settings, string logPath) : IDisposable
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly List<ChildProcess> _runs = [];

    public string Name => name;

    public string Url { get; } = $"http://127.0.0.1:{port}";

    public bool IsRunning => _runs.Count > 0 && !_runs[^1].HasExited;

    public void Start() => _runs.Add(ChildProcess.Start(SampleBinaries.Gateway, ["--urls", Url], WithAdminKey(settings), logPath));

    public void Kill()
    {
        if (_runs.Count > 0)
        {
            _runs[^1].Kill();
        }
    }

    /// <summary>The operator key the demo gives its gateways: their admin endpoints (state, apply) refuse callers without it.</summary>
    private static string AdminKey { get; } = Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16));

    public async Task<NodeState?> StateAsync(HttpClient client, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, Url + "/resilience/state");
        request.Headers.Add("X-Admin-Key", AdminKey);
        using var response = await client.SendAsync(request, cancellationToken);
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadFromJsonAsync<NodeState>(Json, cancellationToken);
    }

    /// <summary>Waits until the node answers, has finished its start-up walk down the chain and YARP routes with what it serves.</summary>
    public async Task<NodeState> WaitForStartupAsync(HttpClient client, TimeSpan timeout, CancellationToken cancellationToken)
    {
        NodeState? state = null;
        var started = await Poll.UntilAsync(
            async () =>
            {
                if (!IsRunning)
                {
                    throw new InvalidOperationException($"gateway {name} exited; see {logPath}");
                }

                state = await StateAsync(client, cancellationToken);
                return state is { StartupCompleted: true } && state.IsRouting;
            },
            timeout,
            cancellationToken);
        return started ? state! : throw new TimeoutException($"gateway {name} did not finish start-up within {timeout.TotalSeconds:F0} s; see {logPath}");
    }

    /// <summary>Every configuration this node swapped in, over all its runs, in order (its log event 1000).</summary>
    public IReadOnlyList<string> ServedHashes() =>
        _runs.SelectMany(r => r.Lines()).Select(l => ServedLine().Match(l)).Where(m => m.Success).Select(m => m.Groups["hash"].Value).ToArray();

    /// <summary>Whether this node logged the export of a configuration to the fallback store (event 3102).</summary>
    public bool HasExported(string hash) =>
        _runs.Any(r => r.Lines().Any(l => l.Contains($"Exported configuration {hash}", StringComparison.Ordinal)));

    private static Dictionary<string, string> WithAdminKey(IReadOnlyDictionary<string, string> settings) =>
        new(settings) { ["Gateway:AdminKey"] = AdminKey };

    public void Dispose()
    {
        foreach (var run in _runs)
        {
            run.Dispose();
        }
    }

    [GeneratedRegex("Serving configuration (?<hash>[0-9a-f]{64}) from ")]
    private static partial Regex ServedLine();
}

/// <summary>What a gateway's <c>/resilience/state</c> says.</summary>
internal sealed record NodeState(string ServingTier, bool IsReady, bool StartupCompleted, string Link, string? LastError, string? Hash, string? Version, string? ProxyRevision, string? LastApply)
{
    /// <summary>Gets a value indicating whether YARP has loaded the routes of the served snapshot (it reloads asynchronously after a swap).</summary>
    public bool IsRouting => ProxyRevision == (Hash ?? "empty");
}
