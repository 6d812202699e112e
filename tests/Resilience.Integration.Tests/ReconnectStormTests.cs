using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using Xunit.Abstractions;

namespace Resilience.Integration.Tests;

/// <summary>
/// A reconnect storm against the sample control plane as a real process with a 1 MB configuration: every client starts
/// within one second, as a fleet does when its control plane (or the load balancer in front of it) comes back. Admission
/// control answers the excess 503 with Retry-After before the upgrade; every client honours it and ends in sync.
/// </summary>
/// <remarks>
/// CI runs <see cref="DefaultClients"/> clients; <c>RESILIENCE_STORM_CLIENTS=1000</c> runs the issue's thousand.
/// <c>RESILIENCE_STORM_ROUNDS=N</c> (with the clients variable) turns the test into the measurement of
/// docs/benchmarks.md: N rounds alternating admission control on (defaults) and off, each on a new control-plane
/// process, printing its peak working set (VmHWM), CPU time and the time until every client is in sync.
/// </remarks>
[Collection(GatewayProcessCollection.Name)]
public sealed class ReconnectStormTests : IDisposable
{
    /// <summary>What CI runs: enough to overload a deliberately small admission budget, bounded to seconds.</summary>
    private const int DefaultClients = 200;

    private readonly string _dir = Path.Combine(Path.GetTempPath(), "resilience-it", Guid.NewGuid().ToString("N"));
    private readonly HttpClient _client = new() { Timeout = TimeSpan.FromSeconds(10) };
    private readonly ITestOutputHelper _output;
    private readonly ControlPlanePki _pki;
    private readonly string _configPath;

    public ReconnectStormTests(ITestOutputHelper output)
    {
        _output = output;
        Directory.CreateDirectory(_dir);
        _pki = ControlPlanePki.Create(Path.Combine(_dir, "pki"));
        _configPath = Path.Combine(_dir, "gateway-config.json");

        // 1 MB that gzip cannot shrink much: the full configuration each new session gets.
        File.WriteAllText(_configPath, $$"""{"routes":[{"path":"/storm"}],"blob":"{{Convert.ToBase64String(RandomNumberGenerator.GetBytes(768 * 1024))}}"}""");
    }

    private static int Clients => int.TryParse(Environment.GetEnvironmentVariable("RESILIENCE_STORM_CLIENTS"), CultureInfo.InvariantCulture, out var n) && n > 0 ? n : DefaultClients;

    [Fact]
    public async Task Clients_reconnecting_within_one_second_are_admitted_or_told_when_to_come_back_and_all_end_in_sync()
    {
        if (int.TryParse(Environment.GetEnvironmentVariable("RESILIENCE_STORM_ROUNDS"), CultureInfo.InvariantCulture, out var rounds) && rounds > 0)
        {
            await MeasureAsync(rounds);
            return;
        }

        // A small budget, so that the CI-sized storm overloads it: 50 sessions a second, 4 at once, a 1 s wait.
        var storm = await RunStormAsync(Clients, new Dictionary<string, string>
        {
            ["DataPlaneHub:Admission:PerSecond"] = "50",
            ["DataPlaneHub:Admission:MaxConcurrent"] = "4",
            ["DataPlaneHub:Admission:QueueTimeout"] = "00:00:01",
            ["DataPlaneHub:Admission:MaxRetryAfter"] = "00:00:10",
        });
        _output.WriteLine(storm.ToString());

        Assert.Equal(Clients, storm.Synced);
        Assert.True(storm.Refused > 0, "the storm was admitted whole: it did not test admission control");
        Assert.Equal(0, storm.RefusedWithoutRetryAfter);
        Assert.Contains("6020", storm.ControlPlaneOutput, StringComparison.Ordinal);

        // Bounded: what the process peaked at stays well below one copy of the configuration per client (the sends
        // share the published message; a session holds its socket and a pooled send buffer for the duration of a send).
        var perClientCopy = storm.ConfigBytes * Clients;
        Assert.True(storm.PeakWorkingSetBytes - storm.WorkingSetBeforeBytes < perClientCopy / 2, $"the control plane grew by {storm.PeakWorkingSetBytes - storm.WorkingSetBeforeBytes:N0} bytes for {Clients} clients of a {storm.ConfigBytes:N0}-byte configuration");
    }

    public void Dispose()
    {
        _client.Dispose();
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private async Task MeasureAsync(int rounds)
    {
        var results = new List<(bool Admission, StormResult Result)>();
        for (var round = 0; round < rounds; round++)
        {
            // Alternate, so that the machine's load (shared with other builds) falls on both alike.
            var admission = round % 2 == 0;
            var settings = ExtraSettings("RESILIENCE_STORM_CP_SETTINGS", admission ? "RESILIENCE_STORM_ON_SETTINGS" : "RESILIENCE_STORM_OFF_SETTINGS");
            settings["DataPlaneHub:Admission:Enabled"] = admission ? "true" : "false";
            var result = await RunStormAsync(Clients, settings);
            results.Add((admission, result));
            _output.WriteLine($"round {round + 1}: admission {(admission ? "on" : "off")}: {result}; load {File.ReadAllText("/proc/loadavg").Trim()}");
            Assert.Equal(Clients, result.Synced);
        }

        foreach (var group in results.GroupBy(r => r.Admission))
        {
            var r = group.Select(g => g.Result).ToArray();
            _output.WriteLine($"admission {(group.Key ? "on" : "off")}: peak working set median {Median(r.Select(x => (double)x.PeakWorkingSetBytes)) / (1 << 20):F0} MiB (all in sync: {Median(r.Select(x => (double)x.WorkingSetAfterBytes)) / (1 << 20):F0} MiB), all in sync median {Median(r.Select(x => x.AllSynced.TotalSeconds)):F1} s, CPU median {Median(r.Select(x => x.CpuTime.TotalSeconds)):F1} s, refused median {Median(r.Select(x => (double)x.Refused)):F0}");
        }
    }

    /// <summary>
    /// More settings for a measurement's control plane, <c>key=value;...</c> (configuration keys, or environment such as
    /// <c>DOTNET_gcServer=0</c>): <c>RESILIENCE_STORM_CP_SETTINGS</c> for both sides, <c>RESILIENCE_STORM_ON_SETTINGS</c>
    /// and <c>RESILIENCE_STORM_OFF_SETTINGS</c> for one side.
    /// </summary>
    private static Dictionary<string, string> ExtraSettings(params string[] variables) =>
        string.Join(';', variables.Select(Environment.GetEnvironmentVariable))
            .Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(pair => pair.Split('=', 2))
            .ToDictionary(kv => kv[0], kv => kv.Length > 1 ? kv[1] : string.Empty);

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }

    private async Task<StormResult> RunStormAsync(int clients, Dictionary<string, string> settings)
    {
        using var cp = await ControlPlaneProcess.StartAsync(_pki, _configPath, _client, settings);
        using var latest = JsonDocument.Parse(await _client.GetStringAsync($"http://127.0.0.1:{cp.AdminPort}/config"));
        var hash = latest.RootElement.GetProperty("hash").GetString()!;
        var configBytes = new FileInfo(_configPath).Length;
        var before = ProcStatus(cp.ProcessId, "VmRSS");
        var cpuBefore = CpuTime(cp.ProcessId);

        using var handler = StormClient.Handler(_pki.ClientCertificate, _pki.ClientIntermediate, _pki.Root);
        using var invoker = new HttpMessageInvoker(handler);
        using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(Clients > DefaultClients ? 10 : 3));
        var hub = new Uri($"wss://localhost:{cp.HubPort}/v1/outlet");
        var started = Stopwatch.GetTimestamp();
        var synced = Enumerable.Range(0, clients).Select(i => new StormClient($"storm-{i:D5}")).ToArray();
        var tasks = synced.Select(c => c.RunAsync(invoker, hub, hash, TimeSpan.FromSeconds(Random.Shared.NextDouble()), deadline.Token)).ToArray();
        try
        {
            await Task.WhenAll(tasks);
        }
        catch (OperationCanceledException)
        {
            var done = tasks.Count(t => t.IsCompletedSuccessfully);
            Assert.Fail($"{done} of {clients} clients in sync by the deadline; for example {string.Join("; ", synced.Where(c => c.SyncedAt == 0).Take(3))}; control plane output:\n{cp.Output[^Math.Min(cp.Output.Length, 4000)..]}");
        }

        var result = new StormResult(
            Synced: synced.Count(c => c.SyncedAt != 0),
            Refused: synced.Sum(c => c.Refused),
            RefusedWithoutRetryAfter: synced.Sum(c => c.RefusedWithoutRetryAfter),
            Failed: synced.Sum(c => c.Failed),
            AllSynced: Stopwatch.GetElapsedTime(started, synced.Max(c => c.SyncedAt)),
            WorkingSetBeforeBytes: before,
            WorkingSetAfterBytes: ProcStatus(cp.ProcessId, "VmRSS"),
            PeakWorkingSetBytes: ProcStatus(cp.ProcessId, "VmHWM"),
            CpuTime: CpuTime(cp.ProcessId) - cpuBefore,
            ConfigBytes: configBytes,
            ControlPlaneOutput: cp.Output);
        foreach (var client in synced)
        {
            await client.DisposeAsync();
        }

        return result;
    }

    /// <summary>A line of /proc/PID/status in bytes (VmRSS now, VmHWM the peak).</summary>
    private static long ProcStatus(int pid, string field)
    {
        var line = File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith(field + ":", StringComparison.Ordinal));
        return long.Parse(line[(field.Length + 1)..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) * 1024;
    }

    /// <summary>User plus system CPU time of a process (/proc/PID/stat, in clock ticks of 1/100 s).</summary>
    private static TimeSpan CpuTime(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        return TimeSpan.FromSeconds(ticks / 100.0);
    }

    private sealed record StormResult(int Synced, int Refused, int RefusedWithoutRetryAfter, int Failed, TimeSpan AllSynced, long WorkingSetBeforeBytes, long WorkingSetAfterBytes, long PeakWorkingSetBytes, TimeSpan CpuTime, long ConfigBytes, string ControlPlaneOutput)
    {
        public override string ToString() =>
            $"{Synced} in sync after {AllSynced.TotalSeconds:F1} s, {Refused} busy answers ({RefusedWithoutRetryAfter} without Retry-After), {Failed} other failures; control plane working set {WorkingSetBeforeBytes / (1 << 20)} MiB before, peak {PeakWorkingSetBytes / (1 << 20)} MiB, {WorkingSetAfterBytes / (1 << 20)} MiB with all in sync, CPU {CpuTime.TotalSeconds:F1} s";
    }
}
