using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Resilience.Benchmarks.Yarp;
using Resilience.Samples.Demo;
using static Resilience.Benchmarks.Processes.SampleProcessProfile;

namespace Resilience.Benchmarks.Processes;

/// <summary>
/// The request path: the Gateway sample (serving from its cache, the control plane down) against the plain YARP
/// process, the same 100 routes and the same upstream, under <c>wrk -t2 -c32</c> (requests spread over the 100
/// routes), alternating rounds in one run: requests/s, p50, p99 and RSS of each.
/// </summary>
internal static partial class RequestPathScenario
{
    private const int RouteCount = 100;

    public static async Task RunAsync(ProfileOptions options, DemoPki pki, string upstream, string workspace)
    {
        if (!File.Exists("/usr/bin/wrk"))
        {
            throw new InvalidOperationException("wrk is missing: bench/sample-processes.sh installs it (apt-get install wrk)");
        }

        Console.WriteLine($"requests: wrk -t2 -c32, {RouteCount} routes, {options.Rounds} alternating rounds of {options.Seconds} s");
        var directory = Path.Combine(workspace, "requests");
        var plainDirectory = Path.Combine(directory, "plain");
        Directory.CreateDirectory(plainDirectory);
        var section = Encoding.UTF8.GetString(RouteTable.Json(RouteCount, upstream, "wrk", clusters: 10));
        // The gateway sample's log levels (YARP's forwarder logs two Information lines per request, which both leave out).
        await File.WriteAllTextAsync(Path.Combine(plainDirectory, "appsettings.json"), $"{{\"Logging\":{{\"LogLevel\":{{\"Default\":\"Information\",\"Microsoft.AspNetCore\":\"Warning\",\"Yarp.ReverseProxy.Forwarder\":\"Warning\"}}}},\"ReverseProxy\":{section}}}");
        var script = Path.Combine(directory, "routes.lua");
        await File.WriteAllTextAsync(script, $$"""
            counter = 0
            request = function()
              counter = counter + 1
              return wrk.format("GET", string.format("/api/v1/service-%05d/x", counter % {{RouteCount}}))
            end
            """);

        var variant = options.Variants[0];
        var settings = GatewaySettings(variant, pki, Path.Combine(directory, "gateway-data"), $"wss://127.0.0.1:{FreePort()}/v1/outlet");

        // Both processes log with the console defaults: the gateway's timestamped single lines are for the edit scenario.
        foreach (var key in settings.Keys.Where(k => k.StartsWith("Logging:Console:", StringComparison.Ordinal)).ToArray())
        {
            settings.Remove(key);
        }
        var gatewayUrl = $"http://127.0.0.1:{FreePort()}";
        var plainUrl = $"http://127.0.0.1:{FreePort()}";
        await using var gateway = SampleProcess.Start(variant.Dll, ["--urls", gatewayUrl], settings, Path.GetDirectoryName(variant.Dll)!);
        await using var plain = SampleProcess.Start(options.PlainYarpDll, ["--urls", plainUrl], new Dictionary<string, string>(), plainDirectory);
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var applied = await ApplyByHandAsync(gatewayUrl, section);
        foreach (var url in new[] { gatewayUrl, plainUrl })
        {
            if (!applied || !await UntilAsync(async () => (await client.GetAsync(url + "/api/v1/service-00099/x")).Headers.Contains("X-Served-By"), TimeSpan.FromSeconds(60), 20))
            {
                throw new InvalidOperationException($"{url} does not route the {RouteCount} routes");
            }
        }

        // Warm-up: the JIT, the connection pools to the upstream; not counted.
        await WrkAsync(gatewayUrl, script, 3);
        await WrkAsync(plainUrl, script, 3);
        var rounds = new List<(WrkResult Gateway, WrkResult Plain, long GatewayRss, long PlainRss)>();
        for (var round = 0; round < options.Rounds; round++)
        {
            // Alternate the order within a round, so neither always runs right after the other.
            WrkResult g, p;
            if (round % 2 == 0)
            {
                g = await WrkAsync(gatewayUrl, script, options.Seconds);
                p = await WrkAsync(plainUrl, script, options.Seconds);
            }
            else
            {
                p = await WrkAsync(plainUrl, script, options.Seconds);
                g = await WrkAsync(gatewayUrl, script, options.Seconds);
            }

            rounds.Add((g, p, gateway.Rss(), plain.Rss()));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  round {round + 1}: gateway {g.RequestsPerSecond:F0} req/s p50 {g.P50:F2} ms p99 {g.P99:F2} ms ({g.Errors} errors); plain YARP {p.RequestsPerSecond:F0} req/s p50 {p.P50:F2} ms p99 {p.P99:F2} ms ({p.Errors} errors); {LoadAverage.Describe()}"));
        }

        var gatewayRps = Median(rounds.Select(r => r.Gateway.RequestsPerSecond));
        var plainRps = Median(rounds.Select(r => r.Plain.RequestsPerSecond));
        var gatewayP99 = Median(rounds.Select(r => r.Gateway.P99));
        var plainP99 = Median(rounds.Select(r => r.Plain.P99));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"requests summary, medians of {options.Rounds} rounds: gateway {gatewayRps:F0} vs plain YARP {plainRps:F0} req/s ({gatewayRps / plainRps:F3}x); p50 {Median(rounds.Select(r => r.Gateway.P50)):F2} vs {Median(rounds.Select(r => r.Plain.P50)):F2} ms; p99 {gatewayP99:F2} vs {plainP99:F2} ms ({gatewayP99 / plainP99:F2}x); per-round ratio of req/s {string.Join(", ", rounds.Select(r => (r.Gateway.RequestsPerSecond / r.Plain.RequestsPerSecond).ToString("F3", CultureInfo.InvariantCulture)))}; RSS after the rounds {rounds[^1].GatewayRss / 1048576.0:F0} vs {rounds[^1].PlainRss / 1048576.0:F0} MiB"));
    }

    private static async Task<WrkResult> WrkAsync(string url, string script, int seconds)
    {
        var start = new ProcessStartInfo("wrk", ["-t2", "-c32", $"-d{seconds}s", "--latency", "-s", script, url]) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var wrk = Process.Start(start)!;
        var output = await wrk.StandardOutput.ReadToEndAsync();
        await wrk.WaitForExitAsync();
        var rps = double.Parse(RequestsPerSecond().Match(output).Groups[1].Value, CultureInfo.InvariantCulture);
        var errors = Errors().Match(output) is { Success: true } e ? e.Groups[1].Value : "0";
        return new WrkResult(rps, Percentile(output, "50%"), Percentile(output, "99%"), errors);
    }

    /// <summary>A latency percentile line of <c>wrk --latency</c> (<c>"     99%    4.47ms"</c>), in milliseconds.</summary>
    private static double Percentile(string output, string percentile)
    {
        var match = Regex.Match(output, $@"^\s*{Regex.Escape(percentile)}\s+([\d.]+)(us|ms|s)\s*$", RegexOptions.Multiline);
        var value = double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
        return match.Groups[2].Value switch { "us" => value / 1000, "s" => value * 1000, _ => value };
    }

    [GeneratedRegex(@"Requests/sec:\s+([\d.]+)")]
    private static partial Regex RequestsPerSecond();

    [GeneratedRegex(@"Non-2xx or 3xx responses:\s+(\d+)")]
    private static partial Regex Errors();

    private sealed record WrkResult(double RequestsPerSecond, double P50, double P99, string Errors);
}
