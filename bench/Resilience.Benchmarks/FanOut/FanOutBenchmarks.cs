using System.Diagnostics;
using System.Globalization;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Engines;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Resilience.ControlPlane;

namespace Resilience.Benchmarks;

/// <summary>
/// Fan-out at the limit: one control plane (real Kestrel with mutual TLS and the hub) and N raw protocol
/// clients in another process (<see cref="FanOutSwarm"/>: hello and heartbeats only, no node pipeline, so
/// the control plane is what is measured). Each iteration publishes a new ~1 MB configuration and ends
/// when the last client has the whole message. Baselines in the same run: writing the same message bytes to
/// N plain loopback TCP sockets (the physical limit) and to N loopback TLS sockets (the limit for a protocol
/// that must encrypt every copy). The control plane's CPU (process CPU time, per client), allocated bytes
/// and working-set growth during each iteration are printed at the end.
/// </summary>
[Config(typeof(FanOutConfig))]
public class FanOutBenchmarks
{
    private const int ConfigBytes = 1_000_000;
    private readonly FanOutMeter _meter = new();
    private readonly List<(double WallMs, double CpuMs)> _publishCalls = [];
    private FanOutTargets _targets = null!;
    private byte[][] _configs = null!;
    private int _next;

    /// <summary>Gets or sets how many clients are connected.</summary>
    [Params(100, 1_000)]
    public int Clients { get; set; }

    /// <summary>
    /// Gets or sets <see cref="DataPlaneHubOptions.MaxConcurrentConfigSends"/>: 2 (1 per core here), 8 (the default
    /// on 2 cores: 4 per core), 1,000 (no bound at N = 1,000: fragments alone).
    /// </summary>
    [Params(2, 8, 1_000)]
    public int SendTurns { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _configs = Enumerable.Range(0, 24).Select(i => LinkBenchmarkRig.Config(ConfigBytes, $"fan-out-{Clients}-{i}")).ToArray();
        _targets = FanOutTargets.StartAsync(Clients, LinkBenchmarkRig.Config(ConfigBytes, $"fan-out-{Clients}-initial"), o => o.MaxConcurrentConfigSends = SendTurns).GetAwaiter().GetResult();
    }

    [Benchmark(Baseline = true, Description = "write the message to N TCP sockets")]
    public Task Tcp_write() => _meter.MeasureAsync("tcp", _targets.WriteTcpAsync);

    [Benchmark(Description = "write the message to N TLS sockets")]
    public Task Tls_write() => _meter.MeasureAsync("tls", _targets.WriteTlsAsync);

    [Benchmark(Description = "publish 1 MB -> last of N clients has it")]
    public Task Hub_publish() => _meter.MeasureAsync("hub", async () =>
    {
        var json = _configs[_next++ % _configs.Length];
        var hash = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(json));
        var done = _targets.Swarm.WaitAsync($"config {hash}");
        var cpu = ThreadCpuTime.Nanoseconds();
        var started = Stopwatch.GetTimestamp();

        // Hash, gzip, sign and frame once, then offer to every session (the sends run on the sessions' loops).
        await _targets.Rig.Publisher.PublishAsync(json);
        lock (_publishCalls)
        {
            _publishCalls.Add((Stopwatch.GetElapsedTime(started).TotalMilliseconds, (ThreadCpuTime.Nanoseconds() - cpu) / 1e6));
        }

        return await done;
    });

    [GlobalCleanup]
    public void Cleanup()
    {
        _meter.Report($"fan-out, {Clients} clients, {SendTurns} send turns, message {_targets.Message.Length:N0} bytes (1 MB JSON, gzip, framed), cores {Environment.ProcessorCount}", Clients);
        if (_publishCalls.Count > 1)
        {
            var calls = _publishCalls.Skip(1).ToArray();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"//   hub: the PublishAsync call itself (hash, gzip, sign, frame, offer): {calls.Average(c => c.WallMs):F1} ms wall, {calls.Average(c => c.CpuMs):F1} ms CPU on average"));
        }

        _targets.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }

    /// <summary>
    /// One launch, one warm-up, eight measured iterations of one fan-out each; in process, so that the swarm can be started
    /// from this executable, with time for 1,000 TLS connections and 11 MB publishes on a loaded machine.
    /// </summary>
    internal sealed class FanOutConfig : ManualConfig
    {
        public FanOutConfig()
        {
            AddJob(Job.Default
                .WithStrategy(RunStrategy.Monitoring)
                .WithLaunchCount(1)
                .WithWarmupCount(1)
                .WithIterationCount(8)
                .WithInvocationCount(1)
                .WithUnrollFactor(1)
                .WithToolchain(new InProcessEmitToolchain(TimeSpan.FromMinutes(40), logOutput: true)));
        }
    }
}
