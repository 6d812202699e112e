using System.Diagnostics;
using System.Text;
using Resilience.Tests.Azurite;
using Resilience.Tests.S3rver;
using Xunit.Abstractions;

namespace Resilience.Election.Tests;

/// <summary>
/// Issue 11, defect 3, against real parts: three exporter processes share one store (s3rver, or Azurite); the leader
/// is frozen with SIGSTOP until another has led for three rounds and resumed, the next leader is killed with SIGKILL,
/// then the store itself is frozen until every survivor has met the outage twice. Every change must be uploaded exactly
/// once across the group, and the incumbent keeps the lead through the outage. s3rver ignores conditional writes: there
/// it is the election and the hash re-read alone; on Azurite the uploads are conditional on the ETag read too
/// (<c>If-Match</c>/<c>If-None-Match</c>), as on Azure.
/// </summary>
public sealed class ThreeProcessElectionTests(ITestOutputHelper output) : IDisposable
{
    private const string Bucket = "resilience-election";
    // Long enough for s3rver on a loaded 2-core machine (the store calls get a third of the grace each); every wait
    // is for something to happen (an upload, N more election rounds), never for time to pass.
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan Grace = TimeSpan.FromSeconds(3);
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(120);
    private readonly string _dir = Directory.CreateTempSubdirectory("resilience-election-").FullName;

    [Theory]
    [InlineData("s3rver")]
    [InlineData("azurite")]
    public async Task Three_exporter_processes_upload_each_change_once_through_a_freeze_a_kill_and_a_store_outage(string server)
    {
        using var store = await StoreServer.StartAsync(server);
        var storage = store.Storage;
        var configFile = Path.Combine(_dir, "config.json");
        var nodes = new[] { "node-1", "node-2", "node-3" }
            .Select(id => ExporterProcess.Start(store.Endpoint, storage, id, configFile, Interval, Grace))
            .ToList();
        try
        {
            var v1 = Change("v1");
            var first = await WaitForUploadAsync(nodes, v1, "the first leader uploads v1");

            // SIGSTOP the leader; the control plane goes on pushing to the others. It stays frozen until another node
            // has taken over (uploaded v2) and led for three rounds: its registration is stale when it wakes.
            var frozen = nodes.Single(n => n.Uploads.Contains(v1));
            await WaitAsync(() => nodes.Count(n => n.IsLeader) == 1, "one leader");
            frozen.Freeze();
            var others = nodes.Where(n => n != frozen).ToList();
            var v2 = Change("v2");
            var second = await WaitForUploadAsync(nodes, v2, "another node takes over and uploads v2");
            await MoreRoundsAsync(others, 3, "the new leader leads for three rounds while the old one is frozen", nodes);
            frozen.Resume();
            await MoreRoundsAsync([frozen], 2, "the resumed node runs two rounds and sees the new leader", nodes);

            var v3 = Change("v3");
            await WaitForUploadAsync(nodes, v3, "v3 is uploaded after the resume");
            await MoreRoundsAsync(nodes, 2, "every node runs two rounds after v3's upload", nodes);
            var successor = nodes.First(n => n.Uploads.Contains(v3));

            // SIGKILL the leader: no resignation, its registration goes stale.
            output.WriteLine($"frozen {frozen.NodeId}, v3 uploaded by {successor.NodeId}; killing it");
            successor.Kill();
            var survivors = nodes.Where(n => n != successor).ToList();
            var v4 = Change("v4");
            var fourth = await WaitForUploadAsync(nodes, v4, "a survivor takes over after the kill and uploads v4");
            await MoreRoundsAsync(survivors, 3, "the survivors run three rounds after v4's upload", nodes);

            // A store outage (the server frozen: every call hangs, then times out) that every survivor meets twice; a change
            // arrives meanwhile.
            var incumbent = nodes.First(n => n.Uploads.Contains(v4));
            var failedBefore = survivors.Select(n => n.FailedRounds).ToArray();
            ExporterProcess.Freeze(store.ProcessId, frozen: true);
            var v5 = Change("v5");
            await WaitAsync(() => survivors.Select((n, i) => n.FailedRounds >= failedBefore[i] + 2).All(b => b), "every survivor meets the store outage in two rounds", nodes);
            ExporterProcess.Freeze(store.ProcessId, frozen: false);
            var fifth = await WaitForUploadAsync(nodes, v5, "v5 is uploaded after the store outage");

            // Nobody uploads v5 again: every survivor runs three more rounds (each re-reads the stored hash).
            await MoreRoundsAsync(survivors, 3, "the survivors run three rounds after v5's upload", nodes);
            output.WriteLine($"v4 uploaded by {incumbent.NodeId}, v5 (after the outage) by {nodes.First(n => n.Uploads.Contains(v5)).NodeId}, {fifth.TotalSeconds:F1} s after the store came back");

            foreach (var node in nodes)
            {
                output.WriteLine($"{node.NodeId}: uploads {string.Join(", ", node.Uploads.Select(h => h[..8]))}");
            }

            output.WriteLine($"takeover after SIGSTOP {second.TotalSeconds:F1} s, after SIGKILL {fourth.TotalSeconds:F1} s (first upload {first.TotalSeconds:F1} s)");
            foreach (var (name, hash) in new[] { ("v1", v1), ("v2", v2), ("v3", v3), ("v4", v4), ("v5", v5) })
            {
                var count = nodes.Sum(n => n.Uploads.Count(h => h == hash));
                output.WriteLine($"{name}: {count} upload(s)");
                Assert.True(count == 1, $"{name} uploaded {count} times;\n{Describe(nodes)}");
            }

            Assert.Equal(5, nodes.Sum(n => n.Uploads.Count));
            Assert.True(incumbent.Uploads.Contains(v5), "the incumbent keeps the lead through the store outage");
            Assert.NotEqual(frozen.NodeId, successor.NodeId);
        }
        finally
        {
            foreach (var node in nodes)
            {
                node.Dispose();
            }
        }

        string Change(string marker)
        {
            var payload = Encoding.UTF8.GetBytes($"{{\"routes\":[\"{marker}\"]}}");
            var temporary = configFile + ".tmp";
            File.WriteAllBytes(temporary, payload);
            File.Move(temporary, configFile, overwrite: true);
            return Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(payload));
        }
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>The shared store's server: what a child process is given to reach it, the URI, and the process to freeze.</summary>
    private sealed class StoreServer(IDisposable server, string endpoint, string storage, int processId) : IDisposable
    {
        public string Endpoint => endpoint;

        public string Storage => storage;

        public int ProcessId => processId;

        public static async Task<StoreServer> StartAsync(string kind)
        {
            if (kind == "azurite")
            {
                var azurite = AzuriteServer.Start();
                await azurite.CreateContainerAsync(Bucket);
                return new StoreServer(azurite, azurite.ConnectionString, $"azure://{Bucket}/run-{Guid.NewGuid():N}", azurite.ProcessId);
            }

            var s3 = S3rverServer.Start(Bucket);
            return new StoreServer(s3, s3.Endpoint, $"s3://{Bucket}/run-{Guid.NewGuid():N}", s3.ProcessId);
        }

        public void Dispose() => server.Dispose();
    }

    private static async Task<TimeSpan> WaitForUploadAsync(IReadOnlyList<ExporterProcess> nodes, string hash, string what)
    {
        var watch = Stopwatch.StartNew();
        await WaitAsync(() => nodes.Any(n => n.Uploads.Contains(hash)), what, nodes);
        return watch.Elapsed;
    }

    private static Task WaitAsync(Func<bool> condition, string what, IReadOnlyList<ExporterProcess>? nodes = null) =>
        Eventually.HoldsAsync(() => Task.FromResult(condition()), what, Deadline, detail: () => nodes is null ? string.Empty : Describe(nodes));

    /// <summary>Waits until each of the processes has finished <paramref name="rounds"/> more election rounds than now.</summary>
    private static Task MoreRoundsAsync(IReadOnlyList<ExporterProcess> processes, int rounds, string what, IReadOnlyList<ExporterProcess> nodes)
    {
        var before = processes.Select(p => p.Rounds).ToArray();
        return WaitAsync(() => processes.Select((p, i) => p.Rounds >= before[i] + rounds).All(b => b), what, nodes);
    }

    private static string Describe(IReadOnlyList<ExporterProcess> nodes) =>
        string.Join("\n", nodes.SelectMany(n => n.Lines.Where(l => !l.StartsWith("LOG 3105", StringComparison.Ordinal)).Select(l => $"[{n.NodeId}] {l}")));
}
