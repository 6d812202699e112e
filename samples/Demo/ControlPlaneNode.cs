using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Resilience.Samples.Demo;

/// <summary>The ControlPlane sample as a process: the hub on a mutual-TLS port, <c>/nodes</c> and <c>/config</c> on a plain loopback port.</summary>
internal sealed partial class ControlPlaneNode(IReadOnlyDictionary<string, string> settings, int adminPort, string logPath) : IDisposable
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly List<ChildProcess> _runs = [];

    private string AdminUrl { get; } = $"http://127.0.0.1:{adminPort}";

    public void Start() => _runs.Add(ChildProcess.Start(SampleBinaries.ControlPlane, [], settings, logPath));

    public void Kill()
    {
        if (_runs.Count > 0)
        {
            _runs[^1].Kill();
        }
    }

    /// <summary>The hash of the latest published configuration, or <see langword="null"/> before the first publish.</summary>
    public async Task<string?> PublishedHashAsync(HttpClient client, CancellationToken cancellationToken)
    {
        using var response = await client.GetAsync(AdminUrl + "/config", cancellationToken);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }

        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<PublishedConfigView>(Json, cancellationToken))?.Hash;
    }

    /// <summary>Waits until the control plane answers on its admin port.</summary>
    public async Task WaitUntilListeningAsync(HttpClient client, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var up = await Poll.UntilAsync(
            async () =>
            {
                if (_runs[^1].HasExited)
                {
                    throw new InvalidOperationException($"the control plane exited; see {logPath}");
                }

                await PublishedHashAsync(client, cancellationToken);
                return true;
            },
            timeout,
            cancellationToken);
        if (!up)
        {
            throw new TimeoutException($"the control plane did not start within {timeout.TotalSeconds:F0} s; see {logPath}");
        }
    }

    /// <summary>The control plane's current rollout (<c>/rollout</c>), or <see langword="null"/> before the first.</summary>
    public async Task<RolloutView?> RolloutAsync(HttpClient client, CancellationToken cancellationToken)
    {
        using var response = await client.GetAsync(AdminUrl + "/rollout", cancellationToken);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }

        response.EnsureSuccessStatusCode();
        return await response.Content.ReadFromJsonAsync<RolloutView>(Json, cancellationToken);
    }

    /// <summary>The nodes the control plane logged sending a configuration to (whole or as a delta; its debug events 6005 and 6014), by id.</summary>
    public IReadOnlyList<string> SentTo(string hash) =>
        _runs.SelectMany(r => r.Lines()).Select(l => SentLine().Match(l)).Where(m => m.Success && m.Groups["hash"].Value == hash)
            .Select(m => m.Groups["node"].Value).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();

    /// <summary>The control plane's registry of data planes.</summary>
    public async Task<IReadOnlyList<RegisteredNode>> NodesAsync(HttpClient client, CancellationToken cancellationToken) =>
        await client.GetFromJsonAsync<RegisteredNode[]>(AdminUrl + "/nodes", Json, cancellationToken) ?? [];

    public void Dispose()
    {
        foreach (var run in _runs)
        {
            run.Dispose();
        }
    }

    private sealed record PublishedConfigView(string Hash, string Version);

    [GeneratedRegex(@"Sent configuration (?<hash>[0-9a-f]{64}) to data plane (?<node>[^\s.]+)")]
    private static partial Regex SentLine();
}

/// <summary>One entry of the control plane's registry (<c>/nodes</c>).</summary>
internal sealed record RegisteredNode(string NodeId, bool IsConnected, string? ConfigHash, string SyncStatus);

/// <summary>The control plane's current rollout (<c>/rollout</c>): enough of <c>RolloutStatus</c> for the demo.</summary>
internal sealed record RolloutView(string Id, string Phase, string ConfigHash, string? Reason, DateTimeOffset StartedAt, DateTimeOffset? EndedAt, RolloutWaveView[] Waves);

/// <summary>One wave of <see cref="RolloutView"/>.</summary>
internal sealed record RolloutWaveView(int Index, string Name, string State, RolloutNodeView[] Nodes);

/// <summary>One node of a <see cref="RolloutWaveView"/>.</summary>
internal sealed record RolloutNodeView(string NodeId, string State, DateTimeOffset? AppliedAt);
