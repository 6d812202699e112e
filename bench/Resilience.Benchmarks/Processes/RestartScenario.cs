using System.Diagnostics;
using System.Globalization;
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
        var settings = options.Variants.ToDictionary(v => v, v => GatewaySettings(v, pki, dataDirectory, deadEndpoint));
        await SeedCacheAsync(options.Variants[0], settings[options.Variants[0]], section);

        var gateway = options.Variants.ToDictionary(v => v, _ => new List<(double Elapsed, double Cpu)>());
        var plain = new List<(double Elapsed, double Cpu)>();
        for (var run = 0; run < runs; run++)
        {
            // Rotate the order (plain YARP is one more turn), so none always goes first or right after another's exit.
            var turns = options.Variants.Count + 1;
            for (var turn = 0; turn < turns; turn++)
            {
                var index = (run + turn) % turns;
                if (index == options.Variants.Count)
                {
                    plain.Add(await FirstProxiedAsync(options.PlainYarpDll, new Dictionary<string, string>(), plainDirectory, "plain YARP"));
                }
                else
                {
                    var variant = options.Variants[index];
                    gateway[variant].Add(await FirstProxiedAsync(variant.Dll, settings[variant], Path.GetDirectoryName(variant.Dll)!, "gateway " + variant.Name));
                }
            }
        }

        var (plainElapsed, plainCpu) = (Median(plain.Select(p => p.Elapsed)), Median(plain.Select(p => p.Cpu)));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"restart summary: first proxied 200, medians of {runs}: plain YARP {Ms(plainElapsed)} ({Join(plain.Select(p => p.Elapsed))}), {Ms(plainCpu)} of CPU"));
        foreach (var (variant, times) in gateway)
        {
            var (elapsed, cpu) = (Median(times.Select(g => g.Elapsed)), Median(times.Select(g => g.Cpu)));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"restart summary, gateway {variant.Name}: {Ms(elapsed)} ({Join(times.Select(g => g.Elapsed))}): {elapsed / plainElapsed:F2}x plain YARP; {Ms(cpu)} of CPU: {cpu / plainCpu:F2}x"));
        }

        Console.WriteLine($"  {LoadAverage.Describe()}");
    }

    private static string Join(IEnumerable<double> values) => string.Join(", ", values.Select(v => v.ToString("F0", CultureInfo.InvariantCulture)));

    /// <summary>Starts the gateway once with the control plane down and no cache, applies the section by hand (it is cached), stops it.</summary>
    private static async Task SeedCacheAsync(GatewayVariant variant, Dictionary<string, string> settings, string section)
    {
        var url = $"http://127.0.0.1:{FreePort()}";
        await using var seed = SampleProcess.Start(variant.Dll, ["--urls", url], new Dictionary<string, string>(settings) { ["Resilience:StartupTimeout"] = "00:00:01" }, Path.GetDirectoryName(variant.Dll)!);
        var applied = await ApplyByHandAsync(url, section);
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
