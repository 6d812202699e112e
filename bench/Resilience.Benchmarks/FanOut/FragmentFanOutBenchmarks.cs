using BenchmarkDotNet.Attributes;
using Resilience.Benchmarks.Yarp;

namespace Resilience.Benchmarks;

/// <summary>
/// The whole 20,000-route configuration (about 10.7 MB of JSON, 0.8 MB as the gzip message) fanned out to N raw protocol
/// clients (<see cref="FanOutTargets"/>, the clients do not take deltas) by the hub writing it in WebSocket fragments of
/// <see cref="FragmentBytes"/> (the 16 KiB fragments before 2026-12-08, 32 KiB, and the 64 KiB default since), in one run.
/// Baseline in the same run, before each: writing the same message to N loopback TLS sockets. Goal: the hub within 1.5x the
/// TLS baseline in time to the last client. Each iteration publishes a new edit of one route, so the control plane's
/// CPU per fan-out includes the publish (hash and gzip of the whole document).
/// </summary>
[Config(typeof(FanOutBenchmarks.FanOutConfig))]
public class FragmentFanOutBenchmarks
{
    private readonly FanOutMeter _meter = new();
    private FanOutTargets _targets = null!;
    private RouteTableEdits _edits = null!;

    /// <summary>Gets or sets how many clients are connected.</summary>
    [Params(1_000)]
    public int Clients { get; set; }

    /// <summary>Gets or sets the hub's largest configuration fragment (payload bytes; 14 more for the frame header).</summary>
    [Params((16 * 1024) - 14, (32 * 1024) - 14, (64 * 1024) - 14)]
    public int FragmentBytes { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _edits = new RouteTableEdits("f");
        _targets = FanOutTargets.StartAsync(Clients, _edits.Initial, o => o.ConfigFragmentBytes = FragmentBytes).GetAwaiter().GetResult();
    }

    [Benchmark(Baseline = true, Description = "write the whole configuration's message to N TLS sockets")]
    public Task Tls_write() => _meter.MeasureAsync("tls (whole message)", _targets.WriteTlsAsync);

    [Benchmark(Description = "publish a one-route edit as the whole configuration -> last of N clients has it")]
    public Task Hub_whole() => _meter.MeasureAsync($"hub, fragments of {FragmentBytes:N0} bytes", () => _edits.PublishNextAsync(_targets));

    [GlobalCleanup]
    public void Cleanup()
    {
        _meter.Report($"whole configuration of {RouteTable.Routes:N0} routes, {Clients} clients, fragments of {FragmentBytes:N0} bytes, message {_targets.Message.Length:N0} bytes, cores {Environment.ProcessorCount}", Clients);
        _targets.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }
}
