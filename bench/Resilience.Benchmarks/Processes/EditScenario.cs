using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using Resilience.Benchmarks.Yarp;
using Resilience.Samples.Demo;
using static Resilience.Benchmarks.Processes.SampleProcessProfile;

namespace Resilience.Benchmarks.Processes;

/// <summary>
/// The file landing on the ControlPlane sample to the Gateway sample routing with it: 20,000 routes, then one-route
/// edits, over the real mutual-TLS link, fresh processes for every run (the cold path a gateway meets: it applies a
/// configuration a few times an hour). Each landing prints the stages, read from the two processes' log lines.
/// </summary>
internal static class EditScenario
{
    private const string EditedPath = "/api/v1/service-00000/x";
    private const string FullPath = "/api/v1/service-19999/x";

    public static async Task RunAsync(ProfileOptions options, DemoPki pki, string upstream, string workspace)
    {
        Console.WriteLine($"edit: {RouteTable.Routes} routes then {options.Edits} one-route edits, {options.Runs} runs with fresh processes per variant, variants alternating");
        var results = options.Variants.ToDictionary(v => v, _ => new List<List<(double Routed, double Applied, double Cpu)>>());
        for (var run = 0; run < options.Runs; run++)
        {
            // Rotate the order, so no variant always runs first (or right after another's exit).
            for (var turn = 0; turn < options.Variants.Count; turn++)
            {
                var variant = options.Variants[(run + turn) % options.Variants.Count];
                Console.WriteLine($"  run {run + 1}, {variant.Name}:");
                results[variant].Add(await OneRunAsync(options, variant, pki, upstream, Path.Combine(workspace, $"edit-{run}-{turn}")));
            }
        }

        foreach (var (variant, runs) in results)
        {
            var later = runs.SelectMany(r => r.Skip(2)).ToArray();
            Console.WriteLine($"edit summary, {variant.Name}: file landing -> routing, medians over {runs.Count} runs: {RouteTable.Routes} routes {Ms(Median(runs.Select(r => r[0].Routed)))} (gateway CPU {Ms(Median(runs.Select(r => r[0].Cpu)))}); first one-route edit {Ms(Median(runs.Select(r => r[1].Routed)))} (gateway receipt -> apply returned {Ms(Median(runs.Select(r => r[1].Applied)))}; gateway CPU {Ms(Median(runs.Select(r => r[1].Cpu)))}); later edits {Ms(Median(later.Select(t => t.Routed)))} (gateway CPU {Ms(Median(later.Select(t => t.Cpu)))}; {later.Length} edits)");
        }

        Console.WriteLine($"  {LoadAverage.Describe()}");
    }

    private static async Task<List<(double Routed, double Applied, double Cpu)>> OneRunAsync(ProfileOptions options, GatewayVariant variant, DemoPki pki, string upstream, string directory)
    {
        Directory.CreateDirectory(directory);
        var file = Path.Combine(directory, "gateway-config.json");
        await LandAsync(file, RouteTable.Json(10, upstream, "small"));
        var hubPort = FreePort();
        await using var controlPlane = await StartControlPlaneAsync(variant.ControlPlaneDll ?? options.ControlPlaneDll, pki, file, hubPort);
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };

        var gatewayUrl = $"http://127.0.0.1:{FreePort()}";
        var settings = GatewaySettings(variant, pki, Path.Combine(directory, "gateway-data"), $"wss://127.0.0.1:{hubPort}/v1/outlet");
        settings["Logging:LogLevel:Resilience.ClusterLink"] = "Debug";
        await using var gateway = SampleProcess.Start(variant.Dll, ["--urls", gatewayUrl], settings, Path.GetDirectoryName(variant.Dll)!);
        client.DefaultRequestHeaders.Add("X-Admin-Key", AdminKey);
        if (!await UntilAsync(async () => await client.GetFromJsonAsync<State>(gatewayUrl + "/resilience/state") is { Hash: { } hash } state && state.ProxyRevision == hash, TimeSpan.FromSeconds(60), 20))
        {
            throw new InvalidOperationException("the gateway did not route with the control plane's first configuration within 60 s:\n" + string.Join('\n', gateway.Lines().Select(l => l.Line)));
        }

        var results = new List<(double, double, double)>();
        var text = Encoding.UTF8.GetString(RouteTable.Json(RouteTable.Routes, upstream, "full"));
        var servedBy = "gateway";
        for (var landing = 0; landing <= options.Edits; landing++)
        {
            string probe;
            if (landing > 0)
            {
                var edited = $"edit-{landing}";
                text = YarpInProcessProfile.ReplaceFirst(text, $"\"X-Served-By\",\"Set\":\"{servedBy}\"", $"\"X-Served-By\",\"Set\":\"{edited}\"");
                servedBy = edited;
                probe = EditedPath;
            }
            else
            {
                probe = FullPath;
            }

            var json = Encoding.UTF8.GetBytes(text);
            var hash = Convert.ToHexStringLower(SHA256.HashData(json));
            await Task.Delay(1500);
            var (gatewayCpu, controlPlaneCpu) = (gateway.CpuTime(), controlPlane.CpuTime());
            var landedAt = Stopwatch.GetTimestamp();
            var landedClock = DateTime.Now.TimeOfDay;
            await LandAsync(file, json);
            var expected = servedBy;
            var routed = await UntilAsync(
                async () =>
                {
                    using var response = await client.GetAsync(gatewayUrl + probe);
                    return response.Headers.TryGetValues("X-Served-By", out var values) && values.Contains(expected);
                },
                TimeSpan.FromSeconds(120),
                2);
            var routedMs = MillisecondsBetween(landedAt, Stopwatch.GetTimestamp());
            var (gatewayCpuMs, controlPlaneCpuMs) = ((gateway.CpuTime() - gatewayCpu).TotalMilliseconds, (controlPlane.CpuTime() - controlPlaneCpu).TotalMilliseconds);
            if (!routed)
            {
                throw new InvalidOperationException($"the gateway did not route with {hash} within 120 s");
            }

            await UntilAsync(() => Task.FromResult(gateway.LineAt("YARP routes with configuration " + hash) is not null), TimeSpan.FromSeconds(10), 20);
            double? Stage(SampleProcess process, string text) => LogClock(process, text, landedClock);
            var published = Stage(controlPlane, "Published configuration " + hash);
            var received = Stage(gateway, "Received configuration " + hash);
            var swapped = Stage(gateway, "Serving configuration " + hash);
            var applied = Stage(gateway, "Pushed configuration " + hash);
            var yarp = Stage(gateway, "YARP routes with configuration " + hash);
            var appliedIn = gateway.Lines().Select(l => l.Line).FirstOrDefault(l => l.Contains("Pushed configuration " + hash, StringComparison.Ordinal)) is { } line ? line[(line.LastIndexOf(" in ", StringComparison.Ordinal) + 4)..].TrimEnd('.') : "?";
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"    {(landing == 0 ? $"{RouteTable.Routes} routes" : $"edit {landing}")}: routed {Ms(routedMs)} after the file landed; CP published +{published:F0}, gateway received +{received:F0}, swapped +{swapped:F0}, apply returned +{applied:F0} (its log: {appliedIn}), YARP applied +{yarp:F0}, routed +{routedMs:F0} (ms since landing); CPU until routed: gateway {gatewayCpuMs:F0} ms, control plane {controlPlaneCpuMs:F0} ms; RSS gateway {gateway.Rss() / 1048576.0:F0} MiB"));
            results.Add((routedMs, (applied ?? double.NaN) - (received ?? double.NaN), gatewayCpuMs));
        }

        return results;
    }

    /// <summary>Milliseconds from <paramref name="since"/> (wall clock) to the timestamp of the first log line containing <paramref name="text"/>.</summary>
    private static double? LogClock(SampleProcess process, string text, TimeSpan since)
    {
        var line = process.Lines().Select(l => l.Line).FirstOrDefault(l => l.Contains(text, StringComparison.Ordinal));
        if (line is null || line.Length < 12 || !TimeSpan.TryParseExact(line[..12], @"hh\:mm\:ss\.fff", CultureInfo.InvariantCulture, out var at))
        {
            return null;
        }

        return (at - since).TotalMilliseconds;
    }

    private sealed record State(string? Hash, string? ProxyRevision);
}
