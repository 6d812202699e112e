using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
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
    private readonly ConcurrentDictionary<string, List<Sample>> _samples = new();
    private readonly List<(double WallMs, double CpuMs)> _publishCalls = [];
    private LinkBenchmarkRig _rig = null!;
    private byte[][] _configs = null!;
    private byte[] _message = null!;
    private TcpListener _rawListener = null!;
    private TcpListener _tlsListener = null!;
    private List<NetworkStream> _raw = null!;
    private List<SslStream> _tls = null!;
    private SwarmProcess _swarm = null!;
    private string _directory = null!;
    private int _next;
    private int _rawRound;
    private int _tlsRound;

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
    public void Setup() => SetupAsync().GetAwaiter().GetResult();

    [Benchmark(Baseline = true, Description = "write the message to N TCP sockets")]
    public Task Tcp_write() => MeasureAsync("tcp", async () =>
    {
        var round = ++_rawRound;
        var done = _swarm.WaitAsync($"raw {round}");
        await Task.WhenAll(_raw.Select(s => s.WriteAsync(_message).AsTask()));
        return await done;
    });

    [Benchmark(Description = "write the message to N TLS sockets")]
    public Task Tls_write() => MeasureAsync("tls", async () =>
    {
        var round = ++_tlsRound;
        var done = _swarm.WaitAsync($"tls {round}");
        await Task.WhenAll(_tls.Select(s => s.WriteAsync(_message).AsTask()));
        return await done;
    });

    [Benchmark(Description = "publish 1 MB -> last of N clients has it")]
    public Task Hub_publish() => MeasureAsync("hub", async () =>
    {
        var json = _configs[_next++ % _configs.Length];
        var hash = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(json));
        var done = _swarm.WaitAsync($"config {hash}");
        var cpu = ThreadCpuTime.Nanoseconds();
        var started = Stopwatch.GetTimestamp();

        // Hash, gzip, sign and frame once, then offer to every session (the sends run on the sessions' loops).
        await _rig.Publisher.PublishAsync(json);
        lock (_publishCalls)
        {
            _publishCalls.Add((Stopwatch.GetElapsedTime(started).TotalMilliseconds, (ThreadCpuTime.Nanoseconds() - cpu) / 1e6));
        }

        return await done;
    });

    [GlobalCleanup]
    public void Cleanup()
    {
        Console.WriteLine($"// fan-out, {Clients} clients, {SendTurns} send turns, message {_message.Length:N0} bytes (1 MB JSON, gzip, framed), cores {Environment.ProcessorCount}:");
        foreach (var (kind, samples) in _samples.OrderBy(s => s.Key))
        {
            // The first sample is the warm-up iteration.
            var measured = samples.Skip(1).ToArray();
            if (measured.Length == 0)
            {
                continue;
            }

            var last = measured.Select(s => s.LastClientMs).Order().ToArray();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"//   {kind}: last client median {last[last.Length / 2]:F1} ms (min {last[0]:F1}, max {last[^1]:F1}); CPU {measured.Average(s => s.CpuMs) * 1000 / Clients:F1} us per client; allocated {measured.Average(s => s.AllocatedBytes) / 1024 / 1024:F1} MiB per publish ({measured.Average(s => s.AllocatedBytes) / Clients / 1024:F1} KiB per client); working set +{measured.Max(s => s.WorkingSetGrowth) / 1024 / 1024:F1} MiB at most"));
        }

        if (_publishCalls.Count > 1)
        {
            var calls = _publishCalls.Skip(1).ToArray();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"//   hub: the PublishAsync call itself (hash, gzip, sign, frame, offer): {calls.Average(c => c.WallMs):F1} ms wall, {calls.Average(c => c.CpuMs):F1} ms CPU on average"));
        }

        _swarm.Dispose();
        foreach (var stream in _tls)
        {
            stream.Dispose();
        }

        foreach (var stream in _raw)
        {
            stream.Dispose();
        }

        _rawListener.Stop();
        _tlsListener.Stop();
        _rig.DisposeAsync().AsTask().GetAwaiter().GetResult();
        Directory.Delete(_directory, recursive: true);
    }

    private async Task SetupAsync()
    {
        // Each process holds 3N sockets (hub, TCP, TLS) plus the runtime's own descriptors.
        OpenFileLimit.Require((3 * Clients) + 256);
        _configs = Enumerable.Range(0, 24).Select(i => LinkBenchmarkRig.Config(ConfigBytes, $"fan-out-{Clients}-{i}")).ToArray();
        _rig = new LinkBenchmarkRig();
        await _rig.StartControlPlaneAsync(o => o.MaxConcurrentConfigSends = SendTurns);

        // The baselines write exactly the bytes the hub sends for a configuration of this size.
        var first = await _rig.Publisher.PublishAsync(LinkBenchmarkRig.Config(ConfigBytes, $"fan-out-{Clients}-initial"));
        _message = first.Message;

        _rawListener = new TcpListener(IPAddress.Loopback, 0);
        _rawListener.Start(Clients);
        _tlsListener = new TcpListener(IPAddress.Loopback, 0);
        _tlsListener.Start(Clients);
        var rawAccepted = AcceptAsync(_rawListener, s => Task.FromResult(new NetworkStream(s, ownsSocket: true)));
        var tlsAccepted = AcceptAsync(_tlsListener, async s =>
        {
            var tls = new SslStream(new NetworkStream(s, ownsSocket: true), false);
            await tls.AuthenticateAsServerAsync(new SslServerAuthenticationOptions { ServerCertificate = _rig.ServerCertificate });
            return tls;
        });

        _directory = Directory.CreateTempSubdirectory("resilience-fan-out-").FullName;
        var identity = Path.Combine(_directory, "client.pfx");
        var root = Path.Combine(_directory, "server-root.der");
        _rig.ExportClientIdentity("fan-out-swarm", identity);
        _rig.ExportServerRoot(root);
        _swarm = SwarmProcess.Start(
            Clients.ToString(CultureInfo.InvariantCulture),
            _rig.Endpoint.ToString(),
            ((IPEndPoint)_rawListener.LocalEndpoint).Port.ToString(CultureInfo.InvariantCulture),
            ((IPEndPoint)_tlsListener.LocalEndpoint).Port.ToString(CultureInfo.InvariantCulture),
            _message.Length.ToString(CultureInfo.InvariantCulture),
            identity,
            root);

        // Every client got the initial configuration on connect; measure only once that is done.
        await _swarm.WaitAsync($"config {first.Hash}", TimeSpan.FromMinutes(10));
        await _swarm.WaitAsync("ready", TimeSpan.FromMinutes(10));
        _raw = await rawAccepted;
        _tls = await tlsAccepted;
        await _rig.WaitConnectedAsync(Clients);
    }

    private async Task<List<T>> AcceptAsync<T>(TcpListener listener, Func<Socket, Task<T>> open)
    {
        var streams = new List<T>(Clients);
        for (var i = 0; i < Clients; i++)
        {
            var socket = await listener.AcceptSocketAsync();
            socket.NoDelay = true;
            streams.Add(await open(socket));
        }

        return streams;
    }

    /// <summary>Runs one fan-out and records the time until the last client had it (the swarm's clock) and what it cost this process.</summary>
    private async Task MeasureAsync(string kind, Func<Task<long>> fanOut)
    {
        using var process = Process.GetCurrentProcess();
        var workingSetBefore = Environment.WorkingSet;
        var peak = workingSetBefore;
        using var sampling = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!sampling.IsCancellationRequested)
            {
                peak = Math.Max(peak, Environment.WorkingSet);
                await Task.Delay(5);
            }
        });
        var cpuBefore = process.TotalProcessorTime;
        var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        var started = Stopwatch.GetTimestamp();

        var lastClientAt = await fanOut();

        process.Refresh();
        var sample = new Sample(
            Stopwatch.GetElapsedTime(started, lastClientAt).TotalMilliseconds,
            (process.TotalProcessorTime - cpuBefore).TotalMilliseconds,
            GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore,
            Math.Max(0, Math.Max(peak, Environment.WorkingSet) - workingSetBefore));
        await sampling.CancelAsync();
        await sampler;
        _samples.GetOrAdd(kind, _ => []).Add(sample);
    }

    private sealed record Sample(double LastClientMs, double CpuMs, long AllocatedBytes, long WorkingSetGrowth);

    /// <summary>One launch, one warm-up, eight measured iterations of one fan-out each; in process, so that the swarm can be started from this executable.</summary>
    private sealed class FanOutConfig : ManualConfig
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
                .WithToolchain(InProcessEmitToolchain.Instance));
        }
    }
}
