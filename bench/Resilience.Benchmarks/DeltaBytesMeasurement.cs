using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using Resilience.Benchmarks.Yarp;

namespace Resilience.Benchmarks;

/// <summary>
/// What a publish costs on the wire between a control plane and a node (TLS and WebSocket framing included), measured by
/// a <see cref="ByteCountingRelay"/> between them: the real hub and the real link over loopback. A small first
/// configuration, then 20,000 routes (about 10.7 MB of JSON), then one-route edits; once with deltas off on the control
/// plane (<c>DeltaHistory</c> 0: every node gets the whole configuration) and once with the defaults, in one run.
/// </summary>
internal static class DeltaBytesMeasurement
{
    public const string Command = "delta-bytes";
    private const int Edits = 5;

    public static async Task<int> RunAsync()
    {
        var text = Encoding.UTF8.GetString(RouteTable.Json(RouteTable.Routes, "http://127.0.0.1:5100/", "e"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"delta-bytes: {RouteTable.Routes:N0} routes, {Encoding.UTF8.GetByteCount(text):N0} bytes of JSON; bytes from the control plane to the node through the relay"));
        var off = await MeasureAsync(text, deltaHistory: 0);
        var on = await MeasureAsync(text, deltaHistory: 8);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  deltas off: whole {off.Whole:N0} bytes; one-route edit median {Median(off.Edits):N0} bytes ({100.0 * Median(off.Edits) / off.Whole:F2} % of the whole)"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  deltas on:  whole {on.Whole:N0} bytes; one-route edit median {Median(on.Edits):N0} bytes ({100.0 * Median(on.Edits) / on.Whole:F3} % of the whole), edits {string.Join(", ", on.Edits)}"));
        Console.WriteLine($"  load average {string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3))}");
        return 0;
    }

    private static async Task<(long Whole, List<long> Edits)> MeasureAsync(string text, int deltaHistory)
    {
        await using var rig = new LinkBenchmarkRig();
        await rig.StartControlPlaneAsync(o => o.DeltaHistory = deltaHistory);
        await using var relay = new ByteCountingRelay(new IPEndPoint(IPAddress.Loopback, rig.Endpoint.Port));
        var small = await rig.Publisher.PublishAsync(RouteTable.Json(10, "http://127.0.0.1:5100/", "small"));
        var node = await rig.StartDataPlaneAsync($"relay-{deltaHistory}", new Uri($"wss://localhost:{relay.Port}/v1/outlet"));
        await UntilServedAsync(rig, node, small.Hash);

        var before = relay.ToClient;
        var whole = await rig.Publisher.PublishAsync(Encoding.UTF8.GetBytes(text));
        await UntilServedAsync(rig, node, whole.Hash);
        var wholeBytes = relay.ToClient - before;
        var edits = new List<long>();
        for (var i = 1; i <= Edits; i++)
        {
            text = YarpInProcessProfile.ReplaceFirst(text, "\"variant\":\"", $"\"variant\":\"edit-{i}-");
            before = relay.ToClient;
            var edit = await rig.Publisher.PublishAsync(Encoding.UTF8.GetBytes(text));
            await UntilServedAsync(rig, node, edit.Hash);
            edits.Add(relay.ToClient - before);
        }

        return (wholeBytes, edits);
    }

    private static async Task UntilServedAsync(LinkBenchmarkRig rig, IDataPlane node, string hash)
    {
        var clock = Stopwatch.StartNew();
        while (node.Current?.Hash != hash)
        {
            if (clock.Elapsed > TimeSpan.FromMinutes(2))
            {
                throw new TimeoutException($"the node did not serve {hash}");
            }

            await Task.Delay(10);
        }

        // The apply result is back: nothing more of this publish is on the wire.
        await rig.WaitAllReportedAsync(hash);
    }

    private static long Median(List<long> values) => values.Order().ElementAt(values.Count / 2);
}
