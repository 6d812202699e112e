using System.Diagnostics;
using System.Globalization;
using System.Text;
using Resilience.Samples.Demo;
using static Resilience.Benchmarks.Processes.SampleProcessProfile;

namespace Resilience.Benchmarks.Processes;

/// <summary>
/// The seed's central scenario, timed: the Gateway sample restarted with a cached configuration while its control
/// plane is down (the link's endpoint refuses connections) against the plain YARP process with the same route in its
/// appsettings; process start -> first proxied 200, alternating the two, medians.
/// </summary>
internal static class RestartScenario
{
    private const string ProxiedPath = "/orders/1";

    public static async Task RunAsync(ProfileOptions options, DemoPki pki, string upstream, string workspace)
    {
        var runs = options.Runs;
        Console.WriteLine($"restart: process start -> first proxied 200, control plane down, {runs} alternating runs");
        var directory = Path.Combine(workspace, "restart");
        var dataDirectory = Path.Combine(directory, "gateway-data");
        Directory.CreateDirectory(directory);
        var section = $"{{\"Routes\":{{\"orders\":{{\"ClusterId\":\"backend\",\"Match\":{{\"Path\":\"/orders/{{**rest}}\"}}}}}},\"Clusters\":{{\"backend\":{{\"Destinations\":{{\"d1\":{{\"Address\":\"{upstream}\"}}}}}}}}}}";

        // The plain process reads the same section from its appsettings.json (its working directory is its content root).
        var plainDirectory = Path.Combine(directory, "plain");
        Directory.CreateDirectory(plainDirectory);
        await File.WriteAllTextAsync(Path.Combine(plainDirectory, "appsettings.json"), $"{{\"Logging\":{{\"LogLevel\":{{\"Default\":\"Information\",\"Microsoft.AspNetCore\":\"Warning\"}}}},\"ReverseProxy\":{section}}}");

        // The control plane's port: nothing listens there.
        var deadEndpoint = $"wss://127.0.0.1:{FreePort()}/v1/outlet";
        var settings = GatewaySettings(options, pki, dataDirectory, deadEndpoint);
        await SeedCacheAsync(options, settings, section);

        var gateway = new List<(double Elapsed, double Cpu)>();
        var plain = new List<(double Elapsed, double Cpu)>();
        for (var run = 0; run < runs; run++)
        {
            // Alternate which goes first, so neither always follows the other's exit.
            var gatewayFirst = run % 2 == 0;
            for (var turn = 0; turn < 2; turn++)
            {
                if ((turn == 0) == gatewayFirst)
                {
                    gateway.Add(await FirstProxiedAsync(options.GatewayDll, settings, Path.GetDirectoryName(options.GatewayDll)!, "gateway"));
                }
                else
                {
                    plain.Add(await FirstProxiedAsync(options.PlainYarpDll, new Dictionary<string, string>(), plainDirectory, "plain YARP"));
                }
            }
        }

        var (gatewayElapsed, plainElapsed) = (Median(gateway.Select(g => g.Elapsed)), Median(plain.Select(p => p.Elapsed)));
        var (gatewayCpu, plainCpu) = (Median(gateway.Select(g => g.Cpu)), Median(plain.Select(p => p.Cpu)));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"restart summary: first proxied 200, medians of {runs}: gateway {Ms(gatewayElapsed)} ({string.Join(", ", gateway.Select(g => g.Elapsed.ToString("F0", CultureInfo.InvariantCulture)))}), plain YARP {Ms(plainElapsed)} ({string.Join(", ", plain.Select(p => p.Elapsed.ToString("F0", CultureInfo.InvariantCulture)))}): {gatewayElapsed / plainElapsed:F2}x; CPU time until then {Ms(gatewayCpu)} vs {Ms(plainCpu)}: {gatewayCpu / plainCpu:F2}x"));
        Console.WriteLine($"  {LoadAverage.Describe()}");
    }

    /// <summary>Starts the gateway once with the control plane down and no cache, applies the section by hand (it is cached), stops it.</summary>
    private static async Task SeedCacheAsync(ProfileOptions options, Dictionary<string, string> settings, string section)
    {
        var url = $"http://127.0.0.1:{FreePort()}";
        await using var seed = SampleProcess.Start(options.GatewayDll, ["--urls", url], new Dictionary<string, string>(settings) { ["Resilience:StartupTimeout"] = "00:00:01" }, Path.GetDirectoryName(options.GatewayDll)!);
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        client.DefaultRequestHeaders.Add("X-Admin-Key", AdminKey);
        var applied = await UntilAsync(
            async () =>
            {
                using var response = await client.PostAsync(url + "/resilience/apply", new StringContent(section, Encoding.UTF8, "application/json"));
                return response.IsSuccessStatusCode;
            },
            TimeSpan.FromSeconds(60),
            50);
        var cache = Path.Combine(settings["Resilience:DataDirectory"], "config.json.gz");
        if (!applied || !await UntilAsync(() => Task.FromResult(File.Exists(cache)), TimeSpan.FromSeconds(10)))
        {
            throw new InvalidOperationException("seeding the gateway's cache failed:\n" + string.Join('\n', seed.Lines().Select(l => l.Line)));
        }
    }

    private static async Task<(double Elapsed, double Cpu)> FirstProxiedAsync(string dll, IReadOnlyDictionary<string, string> settings, string workingDirectory, string name)
    {
        var url = $"http://127.0.0.1:{FreePort()}";
        using var handler = new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(1) };
        using var client = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(5) };
        await using var process = SampleProcess.Start(dll, ["--urls", url], settings, workingDirectory);
        var ok = await UntilAsync(
            async () =>
            {
                using var response = await client.GetAsync(url + ProxiedPath);
                return response.IsSuccessStatusCode;
            },
            TimeSpan.FromSeconds(60),
            2);
        var elapsed = MillisecondsBetween(process.StartedAt, Stopwatch.GetTimestamp());
        var cpu = process.CpuTime().TotalMilliseconds;
        if (!ok)
        {
            throw new InvalidOperationException($"{name} did not proxy within 60 s:\n" + string.Join('\n', process.Lines().Select(l => l.Line)));
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {name}: first proxied 200 after {elapsed:F0} ms, {cpu:F0} ms of CPU (RSS {process.Rss() / 1048576.0:F0} MiB)"));
        return (elapsed, cpu);
    }
}
