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

    /// <summary>Every swap this node logged (event 1000) with its time of day (the log's timestamp), over all its runs, in order.</summary>
    public IReadOnlyList<(TimeSpan At, string Hash)> Swaps() =>
        _runs.SelectMany(r => r.Lines()).Select(l => (Line: l, Match: ServedLine().Match(l)))
            .Where(p => p.Match.Success && TimeSpan.TryParseExact(p.Line.Split(' ', 2)[0], @"hh\:mm\:ss\.fff", System.Globalization.CultureInfo.InvariantCulture, out _))
            .Select(p => (TimeSpan.ParseExact(p.Line.Split(' ', 2)[0], @"hh\:mm\:ss\.fff", System.Globalization.CultureInfo.InvariantCulture), p.Match.Groups["hash"].Value))
            .ToArray();

    /// <summary>How long this node served <paramref name="hash"/> (from its swap to the next one), summed over every time it did; zero when it never did.</summary>
    public TimeSpan ServedFor(string hash)
    {
        var swaps = Swaps();
        var total = TimeSpan.Zero;
        for (var i = 0; i < swaps.Count - 1; i++)
        {
            if (swaps[i].Hash == hash)
            {
                total += swaps[i + 1].At - swaps[i].At;
            }
        }

        return total;
    }

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
