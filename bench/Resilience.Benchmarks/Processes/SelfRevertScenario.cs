using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Security.Cryptography;
using Resilience.Benchmarks.Yarp;
using Resilience.Samples.Demo;
using static Resilience.Benchmarks.Processes.SampleProcessProfile;

namespace Resilience.Benchmarks.Processes;

/// <summary>
/// Self-revert in the real sample processes (issue 19), see bench/self-revert.sh: the ControlPlane sample publishes the
/// file it watches to the Gateway sample over the real mutual-TLS link; under load (<see cref="SelfRevertLoad"/>), the
/// file is replaced by a configuration whose every route points at a closed port (each request a 502). The gateway runs
/// with its bake on (the sample's settings) and off (<c>Resilience:Bake:Enabled=false</c>), in alternating order, fresh
/// processes and data for every run. Figures: requests failed in the observed seconds after the bad file landed, with
/// against without (goal at most 1/5), and the time from the first failed request to the first one served by the
/// previous configuration again after the last failure (goal at most the bake's detection window + 1 s).
/// </summary>
internal static class SelfRevertScenario
{
    public const string Command = "self-revert";

    private const string ProbePath = "/api/v1/service-00001/x";

    public static async Task<int> RunAsync(string[] args)
    {
        var options = SelfRevertOptions.Parse(args);
        Console.WriteLine($"self-revert: {options.Runs} runs per variant (bake on, bake off) alternating, {options.Workers} client workers, " +
            $"{options.ObserveSeconds} s observed after the bad file lands; bake window {options.Window?.ToString() ?? "as the sample (10 s)"}, minimum requests {options.MinimumRequests?.ToString(CultureInfo.InvariantCulture) ?? "as the sample (50)"}");
        Console.WriteLine($"  {LoadAverage.Describe()}");
        await using var upstream = await Upstream.StartAsync();
        var workspace = Path.Combine(Path.GetTempPath(), "resilience-bench", "self-revert-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(workspace);
        var results = new Dictionary<bool, List<SelfRevertRun>> { [true] = [], [false] = [] };
        try
        {
            var pki = DemoPki.Create(Path.Combine(workspace, "pki"));
            for (var run = 0; run < options.Runs; run++)
            {
                // Alternate which variant goes first, so neither always runs on a machine the other just loaded.
                foreach (var bake in run % 2 == 0 ? new[] { true, false } : [false, true])
                {
                    var result = await OneRunAsync(options, bake, pki, upstream.Url, Path.Combine(workspace, $"run-{run}-{(bake ? "on" : "off")}"));
                    results[bake].Add(result);
                    Console.WriteLine($"  run {run + 1}, bake {(bake ? "on " : "off")}: {result}");
                }
            }
        }
        finally
        {
            Directory.Delete(workspace, recursive: true);
        }

        var with = results[true];
        var without = results[false];
        var ratio = (double)with.Sum(r => r.Failed) / Math.Max(1, without.Sum(r => r.Failed));
        var recoveries = with.Where(r => r.RecoveredMs is not null).Select(r => r.RecoveredMs!.Value).ToArray();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"self-revert summary: failed requests in {options.ObserveSeconds} s after the bad file landed: bake on {with.Sum(r => r.Failed)} of {with.Sum(r => r.Requests)} (median {Median(with.Select(r => (double)r.Failed)):F0} per run), " +
            $"bake off {without.Sum(r => r.Failed)} of {without.Sum(r => r.Requests)} (median {Median(without.Select(r => (double)r.Failed)):F0}); ratio {ratio:F3} (goal <= 0.2)"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"self-revert summary: first failed request -> previous configuration serving again (bake on): median {Median(recoveries):F0} ms, max {(recoveries.Length > 0 ? recoveries.Max() : double.NaN):F0} ms over {recoveries.Length} of {with.Count} runs (goal <= detection window + 1 s)"));
        Console.WriteLine($"  {LoadAverage.Describe()}");
        return with.All(r => r.RecoveredMs is not null && r.FinalBake == "Reverted") ? 0 : 1;
    }

    private static async Task<SelfRevertRun> OneRunAsync(SelfRevertOptions options, bool bake, DemoPki pki, string upstream, string directory)
    {
        Directory.CreateDirectory(directory);
        var file = Path.Combine(directory, "gateway-config.json");
        var good = RouteTable.Json(10, upstream, "good");
        var goodHash = Convert.ToHexStringLower(SHA256.HashData(good));
        await LandAsync(file, good);
        var hubPort = FreePort();
        await using var controlPlane = await StartControlPlaneAsync(options.ControlPlaneDll, pki, file, hubPort);
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };

        var gatewayUrl = $"http://127.0.0.1:{FreePort()}";
        var variant = new GatewayVariant("sample", options.GatewayDll, new Dictionary<string, string>());
        var settings = GatewaySettings(variant, pki, Path.Combine(directory, "gateway-data"), $"wss://127.0.0.1:{hubPort}/v1/outlet");
        settings["Resilience:Bake:Enabled"] = bake ? "true" : "false";
        if (options.Window is { } window)
        {
            settings["Resilience:Bake:DetectionWindow"] = window.ToString("c", CultureInfo.InvariantCulture);
        }

        if (options.MinimumRequests is { } minimum)
        {
            settings["Resilience:Bake:MinimumRequests"] = minimum.ToString(CultureInfo.InvariantCulture);
        }

        await using var gateway = SampleProcess.Start(options.GatewayDll, ["--urls", gatewayUrl], settings, Path.GetDirectoryName(options.GatewayDll)!);
        client.DefaultRequestHeaders.Add("X-Admin-Key", AdminKey);
        if (!await UntilAsync(async () => await StateAsync(client, gatewayUrl) is { } state && state.Hash == goodHash && state.ProxyRevision == goodHash, TimeSpan.FromSeconds(60), 20))
        {
            throw new InvalidOperationException("the gateway did not route with the control plane's first configuration within 60 s:\n" + string.Join('\n', gateway.Lines().Select(l => l.Line)));
        }

        await using var load = SelfRevertLoad.Start(gatewayUrl + ProbePath, options.Workers);

        // The bake compares the failed share with the share before the apply: give it a whole window of good traffic.
        await Task.Delay((options.Window ?? TimeSpan.FromSeconds(10)) + TimeSpan.FromSeconds(2));
        var bad = RouteTable.Json(10, $"http://127.0.0.1:{FreePort()}/", "bad");
        var landedAt = Stopwatch.GetTimestamp();
        await LandAsync(file, bad);
        await Task.Delay(TimeSpan.FromSeconds(options.ObserveSeconds));
        var requests = await load.StopAsync();
        var state = await StateAsync(client, gatewayUrl);
        return SelfRevertRun.From(requests, landedAt, state?.Hash == goodHash ? "previous" : state?.Hash == Convert.ToHexStringLower(SHA256.HashData(bad)) ? "bad" : state?.Hash ?? "?", state?.Bake ?? "?");
    }

    private static async Task<GatewayState?> StateAsync(HttpClient client, string gatewayUrl)
    {
        try
        {
            return await client.GetFromJsonAsync<GatewayState>(gatewayUrl + "/resilience/state");
        }
        catch (HttpRequestException)
        {
            return null;
        }
    }

    private sealed record GatewayState(string? Hash, string? ProxyRevision, string? Bake);
}
