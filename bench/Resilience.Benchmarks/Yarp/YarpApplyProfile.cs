using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Resilience.Yarp;

namespace Resilience.Benchmarks.Yarp;

/// <summary>
/// One-shot figures BenchmarkDotNet cannot give: the breakdown of one 20,000-route apply (medians of a few runs),
/// the end-to-end publish -> routing time of the Gateway sample as its own process under a bounded request loop
/// (failed requests counted), its RSS before, at peak and after, and plain YARP reloading its appsettings file.
/// Run: <c>dotnet Resilience.Benchmarks.dll yarp-profile [gateway.dll]</c>.
/// </summary>
internal static class YarpApplyProfile
{
    public static async Task<int> RunAsync(string[] args)
    {
        var gatewayDll = args.Skip(1).FirstOrDefault(a => !a.StartsWith("--", StringComparison.Ordinal)) ?? Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "../../../../../samples/Gateway/bin/Release/net10.0/Gateway.dll"));
        var onlyPlain = args.Contains("--plain-only");
        await using var upstream = await StartUpstreamAsync();
        if (args.Contains("--breakdown-only"))
        {
            await BreakdownAsync(upstream.Url);
            return 0;
        }

        if (args.Contains("--gateway-only"))
        {
            await GatewayProcessAsync(gatewayDll, upstream.Url);
            return 0;
        }

        if (args.Contains("--in-process-only"))
        {
            await YarpInProcessProfile.RunAsync(upstream.Url);
            return 0;
        }

        if (!onlyPlain)
        {
            await BreakdownAsync(upstream.Url);
            await YarpInProcessProfile.RunAsync(upstream.Url);
            await GatewayProcessAsync(gatewayDll, upstream.Url);
        }

        if (args.Contains("--no-plain"))
        {
            return 0;
        }

        foreach (var routes in new[] { 1_000, 5_000 })
        {
            await PlainYarpFileReloadAsync(upstream.Url, routes);
        }

        return 0;
    }

    private static async Task BreakdownAsync(string upstream)
    {
        var json = RouteTable.Json(RouteTable.Routes, upstream);
        var gzip = RouteTable.Gzip(json);
        Console.WriteLine($"config: {RouteTable.Routes} routes, {json.Length / 1e6:F1} MB JSON, {gzip.Length / 1e3:F0} KB gzip");

        await using var services = new ServiceCollection().AddLogging().AddRouting().AddReverseProxy().LoadFromDataPlane().Services.BuildServiceProvider();
        var validator = (ReverseProxyConfigValidator)services.GetRequiredService<IDataPlaneConfigValidator>();
        var yarpValidator = services.GetRequiredService<global::Yarp.ReverseProxy.Configuration.IConfigValidator>();

        Report("gunzip", () => RouteTable.Gunzip(gzip));
        Report("JsonDocument.Parse", () => JsonDocument.Parse(json).Dispose());
        Report("baseline: gunzip + JsonDocument.Parse", () => JsonDocument.Parse(RouteTable.Gunzip(gzip)).Dispose());
        Report("SHA-256", () => SHA256.HashData(json));
        Report("well-formedness scan (Utf8JsonReader)", () =>
        {
            var reader = new Utf8JsonReader(json);
            while (reader.Read())
            {
            }
        });
        Report("parse into YARP routes/clusters", () => ReverseProxyConfigParser.TryParse(json, out _, out _));
        ReverseProxyConfigParser.TryParse(json, out var model, out _);
        Report("YARP route+cluster validators", () =>
        {
            foreach (var cluster in model.Clusters)
            {
                yarpValidator.ValidateClusterAsync(cluster).AsTask().GetAwaiter().GetResult();
            }

            foreach (var route in model.Routes)
            {
                yarpValidator.ValidateRouteAsync(route).AsTask().GetAwaiter().GetResult();
            }
        });
        Report("our validator (parse + YARP validators)", () => validator.ValidateAsync(json, default).AsTask().GetAwaiter().GetResult());

        // The whole pipeline up to the swap (no cache write: the cache is removed), alternating two documents.
        var variants = new[] { RouteTable.Gzip(RouteTable.Json(RouteTable.Routes, upstream, "x")), RouteTable.Gzip(RouteTable.Json(RouteTable.Routes, upstream, "y")) };
        var dataPlane = NewDataPlaneWithoutCache(out var provider);
        await using (provider)
        {
            var turn = 0;
            Report("receive -> swap (pipeline: limits, gunzip, scan, hash, validate, swap)", () =>
            {
                var result = dataPlane.ApplyManualAsync(variants[turn++ % 2], ConfigFormat.Json, default).AsTask().GetAwaiter().GetResult();
                if (result.Outcome != ApplyOutcome.Applied)
                {
                    throw new InvalidOperationException(result.ToString());
                }
            });
        }
    }

    internal static IDataPlane NewDataPlaneWithoutCache(out ServiceProvider provider)
    {
        var services = new ServiceCollection().AddLogging().AddRouting();
        services.AddDataPlaneResilience(o => o.DataDirectory = Path.Combine(Path.GetTempPath(), "resilience-bench", Guid.NewGuid().ToString("N")));
        services.AddReverseProxy().LoadFromDataPlane();
        services.RemoveAll<IConfigCache>();
        provider = services.BuildServiceProvider();
        return provider.GetRequiredService<IDataPlane>();
    }

    private static void Report(string step, Action action, int runs = 5)
    {
        action();
        var times = new List<double>();
        for (var i = 0; i < runs; i++)
        {
            var started = Stopwatch.GetTimestamp();
            action();
            times.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }

        times.Sort();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {step,-75} median {times[runs / 2],8:F1} ms  (min {times[0]:F1}, max {times[^1]:F1})"));
    }

    private static async Task GatewayProcessAsync(string gatewayDll, string upstream)
    {
        const string key = "bench-admin-key";
        var dir = Path.Combine(Path.GetTempPath(), "resilience-bench", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        var port = FreePort();
        var url = $"http://127.0.0.1:{port}";
        var start = new ProcessStartInfo("dotnet", [gatewayDll, "--urls", url]) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = Path.GetDirectoryName(gatewayDll)! };
        start.Environment["Gateway__AdminKey"] = key;
        start.Environment["Resilience__DataDirectory"] = Path.Combine(dir, "data");
        start.Environment["Resilience__Declarative__Path"] = Path.Combine(dir, "none.yaml");
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        start.Environment["Logging__LogLevel__Resilience"] = "Information";
        using var gateway = Process.Start(start)!;
        var log = new System.Collections.Concurrent.ConcurrentQueue<string>();
        gateway.OutputDataReceived += (_, e) => { if (e.Data is { } line) { log.Enqueue(line); } };
        gateway.ErrorDataReceived += (_, e) => { if (e.Data is { } line) { log.Enqueue(line); } };
        gateway.BeginOutputReadLine();
        gateway.BeginErrorReadLine();
        using var admin = new HttpClient { Timeout = TimeSpan.FromSeconds(120) };
        admin.DefaultRequestHeaders.Add("X-Admin-Key", key);
        try
        {
            if (!await UntilAsync(async () => (await admin.GetAsync(url + "/healthz")).IsSuccessStatusCode, TimeSpan.FromSeconds(180)))
            {
                throw new InvalidOperationException("the gateway did not answer /healthz within 180 s:\n" + string.Join('\n', log));
            }

            var small = await admin.PostAsync(url + "/resilience/apply", new ByteArrayContent(RouteTable.Json(10, upstream, "small")));
            small.EnsureSuccessStatusCode();
            await UntilAsync(async () => (await admin.GetAsync(url + "/healthz/ready")).IsSuccessStatusCode, TimeSpan.FromSeconds(30));

            var previous = Array.Empty<byte>();
            for (var round = 0; round < 4; round++)
            {
                var json = round < 3
                    ? RouteTable.Json(RouteTable.Routes, upstream, "round" + round)
                    : System.Text.Encoding.UTF8.GetBytes(YarpInProcessProfile.ReplaceFirst(System.Text.Encoding.UTF8.GetString(previous), "\"variant\":\"", "\"variant\":\"edited-"));
                previous = json;
                var gzip = RouteTable.Gzip(json);
                var hash = Convert.ToHexStringLower(SHA256.HashData(json));
                await Task.Delay(1500);
                GC.Collect();
                var before = Rss(gateway.Id);

                using var load = new CancellationTokenSource();
                var traffic = TrafficAsync(url, workers: 4, load.Token);
                var peak = before;
                var sampling = Task.Run(async () =>
                {
                    while (!load.IsCancellationRequested)
                    {
                        peak = Math.Max(peak, Rss(gateway.Id));
                        await Task.Delay(5);
                    }
                });

                await Task.Delay(500);
                var started = Stopwatch.StartNew();
                var content = new ByteArrayContent(gzip);
                content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
                var apply = admin.PostAsync(url + "/resilience/apply", content);
                double? served = null, yarpApplied = null, routed = null;
                var newest = $"/api/v1/service-{RouteTable.Routes - 1:D5}/x";
                using var probe = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
                while (started.Elapsed < TimeSpan.FromSeconds(120) && routed is null)
                {
                    using var state = JsonDocument.Parse(await admin.GetStringAsync(url + "/resilience/state"));
                    if (served is null && state.RootElement.GetProperty("hash").GetString() == hash)
                    {
                        served = started.Elapsed.TotalMilliseconds;
                    }

                    if (yarpApplied is null && state.RootElement.GetProperty("proxyRevision").GetString() == hash)
                    {
                        yarpApplied = started.Elapsed.TotalMilliseconds;
                    }

                    if (yarpApplied is not null)
                    {
                        using var response = await probe.GetAsync(url + newest);
                        if (response.Headers.TryGetValues("X-Served-By", out _))
                        {
                            routed = started.Elapsed.TotalMilliseconds;
                        }
                    }

                    await Task.Delay(5);
                }

                var applied = await apply;
                var postReturned = started.Elapsed.TotalMilliseconds;
                await Task.Delay(3000);
                load.Cancel();
                var (ok, failed) = await traffic;
                await sampling;
                await Task.Delay(2000);
                var after = Rss(gateway.Id);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"gateway process, round {round}{(round < 3 ? "" : " (one route changed)")}: apply {applied.StatusCode}; swapped (state shows hash) {served:F0} ms, YARP applied {yarpApplied:F0} ms, first request on a new route {routed:F0} ms, POST returned {postReturned:F0} ms; traffic {ok} ok / {failed} failed; RSS before {before / 1048576.0:F0} MiB, peak {peak / 1048576.0:F0} MiB, after {after / 1048576.0:F0} MiB (peak/after {(double)peak / after:F2})"));
            }

            foreach (var line in log.Where(l => l.Contains("YARP routes with", StringComparison.Ordinal) || l.Contains("fail", StringComparison.OrdinalIgnoreCase)).TakeLast(6))
            {
                Console.WriteLine("  log: " + line.Trim());
            }
        }
        finally
        {
            gateway.Kill(entireProcessTree: true);
            await gateway.WaitForExitAsync();
        }
    }

    private static async Task<(int Ok, int Failed)> TrafficAsync(string url, int workers, CancellationToken stop)
    {
        int ok = 0, failed = 0;
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        await Task.WhenAll(Enumerable.Range(0, workers).Select(w => Task.Run(async () =>
        {
            for (var i = 0; !stop.IsCancellationRequested; i++)
            {
                try
                {
                    using var response = await client.GetAsync($"{url}/live/{w}/{i}", CancellationToken.None);
                    if (response.IsSuccessStatusCode)
                    {
                        Interlocked.Increment(ref ok);
                    }
                    else
                    {
                        Interlocked.Increment(ref failed);
                    }
                }
                catch (HttpRequestException)
                {
                    Interlocked.Increment(ref failed);
                }
            }
        })));
        return (ok, failed);
    }

    private static async Task PlainYarpFileReloadAsync(string upstream, int routes)
    {
        var dir = Path.Combine(Path.GetTempPath(), "resilience-bench", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        var file = Path.Combine(dir, "proxy.json");
        await File.WriteAllBytesAsync(file, Wrap(RouteTable.Json(10, upstream, "small")));
        var builder = WebApplication.CreateBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel().UseUrls("http://127.0.0.1:0");
        builder.Configuration.AddJsonFile(file, optional: false, reloadOnChange: true);
        builder.Services.AddReverseProxy().LoadFromConfig(builder.Configuration.GetSection("ReverseProxy"));
        await using var app = builder.Build();
        app.MapReverseProxy();
        await app.StartAsync();
        var url = app.Urls.Single();
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        await UntilAsync(async () => (await client.GetAsync(url + "/live")).IsSuccessStatusCode, TimeSpan.FromSeconds(30));

        var started = Stopwatch.StartNew();
        await File.WriteAllBytesAsync(file, Wrap(RouteTable.Json(routes, upstream, "big")));
        var newest = $"/api/v1/service-{routes - 1:D5}/x";
        var routed = await UntilAsync(async () => (await client.GetAsync(url + newest)).Headers.Contains("X-Served-By"), TimeSpan.FromSeconds(180));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"plain YARP, appsettings file reload, {routes} routes: {(routed ? $"routing after {started.Elapsed.TotalMilliseconds:F0} ms" : "not routing after 180 s")}"));
        await app.StopAsync();
        Directory.Delete(dir, recursive: true);
    }

    private static byte[] Wrap(byte[] section)
    {
        var prefix = "{\"ReverseProxy\":"u8.ToArray();
        return [.. prefix, .. section, (byte)'}'];
    }

    private static Task<bool> UntilAsync(Func<Task<bool>> condition, TimeSpan timeout) =>
        Processes.SampleProcessProfile.UntilAsync(condition, timeout, pauseMilliseconds: 10);

    private static long Rss(int pid)
    {
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
            }
        }

        return 0;
    }

    private static int FreePort() => Tests.FreePort.Next();

    internal static async Task<WebApplication> StartUpstreamAppAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel().UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var body = "upstream"u8.ToArray();
        app.Run(context =>
        {
            context.Response.ContentLength = body.Length;
            return context.Response.Body.WriteAsync(body).AsTask();
        });
        await app.StartAsync();
        return app;
    }

    private static async Task<UpstreamHandle> StartUpstreamAsync()
    {
        var app = await StartUpstreamAppAsync();
        return new UpstreamHandle(app, app.Urls.Single().TrimEnd('/') + "/");
    }

    private sealed record UpstreamHandle(WebApplication App, string Url) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await App.StopAsync();
            await App.DisposeAsync();
        }
    }
}

/// <summary>The YARP side in one process: swap, YARP's reload (ConfigurationApplied), the first routed request, and heap after repeated applies.</summary>
internal static class YarpInProcessProfile
{
    public static async Task RunAsync(string upstream, int rounds = 6)
    {
        var builder = WebApplication.CreateBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel().UseUrls("http://127.0.0.1:0");
        builder.Services.AddDataPlaneResilience(o => o.DataDirectory = Path.Combine(Path.GetTempPath(), "resilience-bench", Guid.NewGuid().ToString("N")));
        builder.Services.RemoveAll<IConfigCache>();
        builder.Services.AddReverseProxy().LoadFromDataPlane();
        var loaded = new LoadedListener();
        builder.Services.AddSingleton<global::Yarp.ReverseProxy.Configuration.IConfigChangeListener>(loaded);
        await using var app = builder.Build();
        app.MapReverseProxy();
        await app.StartAsync();
        var url = app.Urls.Single();
        var dataPlane = app.Services.GetRequiredService<IDataPlane>();
        var revision = app.Services.GetRequiredService<AppliedProxyRevision>();
        var yarpEndpoints = ((Microsoft.AspNetCore.Routing.IEndpointRouteBuilder)app).DataSources.Single(d => d.GetType().Name == "ProxyConfigManager");
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(60) };
        var last = "";
        for (var round = 0; round < rounds + 3; round++)
        {
            // The last rounds change one route of the previous document (a typical edit): YARP keeps unchanged routes.
            var text = round < rounds ? System.Text.Encoding.UTF8.GetString(RouteTable.Json(RouteTable.Routes, upstream, "p" + round)) : ReplaceFirst(last, "\"variant\":\"", $"\"variant\":\"edit{round}-");
            last = text;
            var gzip = RouteTable.Gzip(System.Text.Encoding.UTF8.GetBytes(text));
            var started = Stopwatch.StartNew();
            loaded.Start(started);
            var result = await dataPlane.ApplyManualAsync(gzip, ConfigFormat.Json, default);
            var swapped = started.Elapsed.TotalMilliseconds;
            while (revision.Current != result.Hash)
            {
                await Task.Delay(1);
            }

            var yarpApplied = started.Elapsed.TotalMilliseconds;
            using (var response = await client.GetAsync($"{url}/api/v1/service-{RouteTable.Routes - 1:D5}/x"))
            {
                response.EnsureSuccessStatusCode();
            }

            var routed = started.Elapsed.TotalMilliseconds;
            using (var second = await client.GetAsync($"{url}/api/v1/service-00001/x"))
            {
                second.EnsureSuccessStatusCode();
            }

            var next = started.Elapsed.TotalMilliseconds;
            var heap = GC.GetTotalMemory(forceFullCollection: true);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"in-process round {round}{(round < rounds ? "" : " (one route changed)")}: swap {swapped:F0} ms, YARP ConfigurationLoaded (GetConfig) +{loaded.LoadedAt - swapped:F0} ms, ConfigurationApplied +{yarpApplied - loaded.LoadedAt:F0} ms, first routed request +{routed - yarpApplied:F0} ms, next request +{next - routed:F0} ms; total {routed:F0} ms; heap after full GC {heap / 1048576.0:F0} MiB"));
        }

        // After the rounds: building it in between would add its garbage to the heap figures above.
        var matcher = Enumerable.Range(0, 3).Select(_ => MatcherBuildMilliseconds(app.Services, yarpEndpoints)).Order().ToArray();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"ASP.NET Core's DFA matcher build over YARP's {yarpEndpoints.Endpoints.Count} endpoints (what every YARP change triggers, timed alone): median {matcher[1]:F0} ms (min {matcher[0]:F0}, max {matcher[2]:F0})"));
        await app.StopAsync();
    }

    /// <summary>
    /// What ASP.NET Core's routing does with YARP's endpoints after every change (a new DFA matcher over all of
    /// them): built here once more from a copy of the same endpoints through the framework's own matcher factory.
    /// </summary>
    private static double MatcherBuildMilliseconds(IServiceProvider services, Microsoft.AspNetCore.Routing.EndpointDataSource yarpEndpoints)
    {
        var factoryType = typeof(Microsoft.AspNetCore.Routing.EndpointDataSource).Assembly.GetType("Microsoft.AspNetCore.Routing.Matching.MatcherFactory", throwOnError: true)!;
        var factory = services.GetRequiredService(factoryType);
        var copy = new Microsoft.AspNetCore.Routing.DefaultEndpointDataSource(yarpEndpoints.Endpoints);
        var started = Stopwatch.GetTimestamp();
        var matcher = factoryType.GetMethod("CreateMatcher")!.Invoke(factory, [copy]);
        var elapsed = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        (matcher as IDisposable)?.Dispose();
        return elapsed;
    }

    /// <summary>When YARP has read the new config from the provider (its reload starts applying it).</summary>
    private sealed class LoadedListener : global::Yarp.ReverseProxy.Configuration.IConfigChangeListener
    {
        private Stopwatch _clock = Stopwatch.StartNew();

        public double LoadedAt { get; private set; }

        public void Start(Stopwatch clock) => _clock = clock;

        public void ConfigurationLoaded(IReadOnlyList<global::Yarp.ReverseProxy.Configuration.IProxyConfig> proxyConfigs) => LoadedAt = _clock.Elapsed.TotalMilliseconds;

        public void ConfigurationApplied(IReadOnlyList<global::Yarp.ReverseProxy.Configuration.IProxyConfig> proxyConfigs)
        {
        }

        public void ConfigurationLoadingFailed(global::Yarp.ReverseProxy.Configuration.IProxyConfigProvider configProvider, Exception ex)
        {
        }

        public void ConfigurationApplyingFailed(IReadOnlyList<global::Yarp.ReverseProxy.Configuration.IProxyConfig> proxyConfigs, Exception ex)
        {
        }
    }

    internal static string ReplaceFirst(string text, string find, string replacement)
    {
        var at = text.IndexOf(find, StringComparison.Ordinal);
        return text[..at] + replacement + text[(at + find.Length)..];
    }
}
