using System.Diagnostics;
using System.Globalization;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Resilience.Benchmarks.Yarp;

namespace Resilience.Benchmarks;

/// <summary>
/// <c>fan-out-rounds [rounds] [clients] [inline] [max-write=BYTES] [pool-block=BYTES]</c>: the whole 20,000-route configuration fanned out to N raw protocol clients
/// against writing its message to N loopback TLS sockets, in alternating rounds in one process (the order flips every
/// round), without BenchmarkDotNet's per-case set-up: quicker than <see cref="FragmentFanOutBenchmarks"/>, and a process
/// to attach a profiler to. Also times the publish call alone (hash, gzip, offer) on the calling thread. <c>inline</c> and
/// <c>max-write</c> set Kestrel's <see cref="SocketTransportOptions.UnsafePreferInlineScheduling"/> and
/// <see cref="SocketTransportOptions.MaxWriteBufferSize"/> for the control plane (host settings, measured for docs/benchmarks.md).
/// </summary>
internal static class FanOutRounds
{
    public const string Command = "fan-out-rounds";

    public static async Task<int> RunAsync(string[] args)
    {
        var rounds = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 8;
        var clients = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 1_000;
        var edits = new RouteTableEdits("r");
        var meter = new FanOutMeter();
        var publishCpu = new List<double>();
        var inline = args.Contains("inline");
        var maxWrite = args.FirstOrDefault(a => a.StartsWith("max-write=", StringComparison.Ordinal)) is { } given ? long.Parse(given["max-write=".Length..], CultureInfo.InvariantCulture) : (long?)null;
        Action<SocketTransportOptions>? sockets = inline || maxWrite is not null
            ? o =>
            {
                o.UnsafePreferInlineScheduling = inline;
                if (maxWrite is { } bytes)
                {
                    o.MaxWriteBufferSize = bytes;
                }
            }
            : null;
        var poolBlock = args.FirstOrDefault(a => a.StartsWith("pool-block=", StringComparison.Ordinal)) is { } block ? int.Parse(block["pool-block=".Length..], CultureInfo.InvariantCulture) : (int?)null;
        await using var targets = await FanOutTargets.StartAsync(clients, edits.Initial, configure: null, sockets: sockets, poolBlockBytes: poolBlock);

        Task Tls() => meter.MeasureAsync("tls (whole message)", targets.WriteTlsAsync);
        Task Hub() => meter.MeasureAsync("hub, whole configuration", () => edits.PublishNextAsync(targets, publishCpu.Add));

        // Round 0 is each kind's warm-up (the meter leaves the first sample out).
        for (var round = 0; round <= rounds; round++)
        {
            var started = Stopwatch.GetTimestamp();
            if (round % 2 == 0)
            {
                await Tls();
                await Hub();
            }
            else
            {
                await Hub();
                await Tls();
            }

            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"// round {round} done in {Stopwatch.GetElapsedTime(started).TotalSeconds:F1} s"));
        }

        meter.Report($"fan-out rounds (inline {inline}, max write {maxWrite?.ToString(CultureInfo.InvariantCulture) ?? "default"}, pool block {poolBlock?.ToString(CultureInfo.InvariantCulture) ?? "Kestrel's"}): whole configuration of {RouteTable.Routes:N0} routes, {clients} clients, message {targets.Message.Length:N0} bytes, cores {Environment.ProcessorCount}", clients);
        var measured = publishCpu.Skip(1).Order().ToArray();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"//   the publish call on its thread (hash, gzip, offer): CPU median {measured[measured.Length / 2]:F1} ms (min {measured[0]:F1}, max {measured[^1]:F1})"));
        return 0;
    }
}
