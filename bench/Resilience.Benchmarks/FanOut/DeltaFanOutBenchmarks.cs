using BenchmarkDotNet.Attributes;
using Resilience.Benchmarks.Yarp;

namespace Resilience.Benchmarks;

/// <summary>
/// A one-route edit of a 20,000-route configuration (about 10.7 MB of JSON, 0.8 MB as the gzip message) fanned out to N
/// raw protocol clients (<see cref="FanOutTargets"/>), with the clients announcing the <c>delta</c> capability or not:
/// the whole configuration against the patch, in one run. Baseline in the same run: writing the whole configuration's
/// message to N loopback TLS sockets. Each iteration publishes a new edit of the same route; the time and the control
/// plane's CPU per fan-out (publish included: hash and gzip of the whole document, and the diff for a delta) are
/// printed at the end. Goals: the delta within 1/10 of the whole in time to the last client and in CPU; the whole
/// within 1.5x the TLS baseline.
/// </summary>
[Config(typeof(FanOutBenchmarks.FanOutConfig))]
public class DeltaFanOutBenchmarks
{
    private readonly FanOutMeter _meter = new();
    private FanOutTargets _targets = null!;
    private RouteTableEdits _edits = null!;

    /// <summary>Gets or sets how many clients are connected.</summary>
    [Params(1_000)]
    public int Clients { get; set; }

    /// <summary>Gets or sets a value indicating whether the clients announce the <c>delta</c> capability.</summary>
    [Params(false, true)]
    public bool Deltas { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _edits = new RouteTableEdits("e");
        _targets = FanOutTargets.StartAsync(Clients, _edits.Initial, configure: null, deltas: Deltas).GetAwaiter().GetResult();
    }

    [Benchmark(Baseline = true, Description = "write the whole configuration's message to N TLS sockets")]
    public Task Tls_write() => _meter.MeasureAsync("tls (whole message)", _targets.WriteTlsAsync);

    [Benchmark(Description = "publish a one-route edit -> last of N clients has it")]
    public Task Hub_edit() => _meter.MeasureAsync(Deltas ? "hub edit as a delta" : "hub edit as the whole configuration", () => _edits.PublishNextAsync(_targets));

    [GlobalCleanup]
    public void Cleanup()
    {
        _meter.Report($"one-route edit of {RouteTable.Routes:N0} routes, {Clients} clients, deltas {(Deltas ? "on" : "off")}, whole message {_targets.Message.Length:N0} bytes, cores {Environment.ProcessorCount}", Clients);
        _targets.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }
}
