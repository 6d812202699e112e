using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace Resilience.Integration.Tests;

/// <summary>The sample control plane as a real process; nodes are real hosts with the WebSocket link.</summary>
public sealed class ControlPlaneSampleTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "resilience-it", Guid.NewGuid().ToString("N"));
    private readonly HttpClient _client = new() { Timeout = TimeSpan.FromSeconds(10) };
    private readonly ITestOutputHelper _output;
    private readonly ControlPlanePki _pki;
    private readonly string _configPath;

    public ControlPlaneSampleTests(ITestOutputHelper output)
    {
        _output = output;
        Directory.CreateDirectory(_dir);
        _pki = ControlPlanePki.Create(Path.Combine(_dir, "pki"));
        _configPath = Path.Combine(_dir, "gateway-config.json");
        // A YARP configuration: the sample control plane checks what it publishes as its YARP gateways would.
        File.WriteAllText(_configPath, """{"Routes":{"it":{"ClusterId":"it","Match":{"Path":"/it"}}},"Clusters":{"it":{"Destinations":{"one":{"Address":"http://127.0.0.1:9/"}}}}}""");
    }

    [Fact]
    public async Task Node_that_trusts_only_the_root_connects_to_a_control_plane_whose_leaf_comes_from_an_intermediate()
    {
        using var cp = await ControlPlaneProcess.StartAsync(_pki, _configPath, _client);
        using var node = await StartNodeAsync(new Uri($"wss://localhost:{cp.HubPort}/v1/outlet"));

        await WaitAsync(cp, () => node.Services.GetRequiredService<IDataPlane>().Current is { Origin: ConfigOrigin.ControlPlane }, node, "the node serves the control plane's config");
    }

    [Fact]
    public async Task Node_reaching_the_control_plane_through_a_tcp_relay_on_another_port_is_served()
    {
        using var cp = await ControlPlaneProcess.StartAsync(_pki, _configPath, _client);
        await using var relay = TcpRelay.Start(cp.HubPort);
        using var node = await StartNodeAsync(new Uri($"wss://localhost:{relay.Port}/v1/outlet"));

        await WaitAsync(cp, () => node.Services.GetRequiredService<IDataPlane>().Current is { Origin: ConfigOrigin.ControlPlane }, node, "the node behind the relay serves the control plane's config");
        Assert.True(relay.Connections >= 1);

        // The operator endpoints stay on their own listener.
        var nodes = await _client.GetAsync($"http://127.0.0.1:{cp.AdminPort}/nodes");
        Assert.True(nodes.IsSuccessStatusCode);
        Assert.Contains("it-node", await nodes.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Sigterm_stops_the_control_plane_at_once_and_nodes_see_going_away()
    {
        using var cp = await ControlPlaneProcess.StartAsync(_pki, _configPath, _client);
        // The reference's reconnect delay, so the state still shows why the connection ended when we look.
        using var node = await StartNodeAsync(new Uri($"wss://localhost:{cp.HubPort}/v1/outlet"), TimeSpan.FromSeconds(5));
        var dataPlane = node.Services.GetRequiredService<IDataPlane>();
        await WaitAsync(cp, () => dataPlane.State.Link.Status == ClusterLinkStatus.Connected && dataPlane.Current is not null, node, "the node is connected");

        // The host's default shutdown timeout is 30 s; stopping must not wait for it.
        var stopped = await cp.TerminateAsync(TimeSpan.FromSeconds(60));
        _output.WriteLine($"sample control plane exited {stopped.TotalMilliseconds:F0} ms after SIGTERM with one node connected");

        await Eventually.HoldsAsync(() => dataPlane.State.Link.Status != ClusterLinkStatus.Connected, "the node sees the connection end", TimeSpan.FromSeconds(20));

        Assert.Contains("1001", dataPlane.State.Link.LastError, StringComparison.Ordinal);
        Assert.NotNull(dataPlane.Current);
        Assert.True(stopped < TimeSpan.FromSeconds(15), $"the control plane took {stopped} to stop");
    }

    [Fact]
    public async Task A_file_renamed_into_place_is_published_at_once_and_one_written_in_place_waits_for_the_debounce()
    {
        // A debounce no test waits out: a publish seen within the bound was not debounced.
        using var cp = await ControlPlaneProcess.StartAsync(_pki, _configPath, _client, new Dictionary<string, string> { ["ControlPlane:Debounce"] = "01:00:00" });
        await PublishedAsync(cp, await File.ReadAllBytesAsync(_configPath));

        // Written beside the file and moved over it (an atomic save): whole when it lands.
        var renamed = RouteTo("/renamed");
        var staged = _configPath + ".staged";
        await File.WriteAllBytesAsync(staged, renamed);
        File.Move(staged, _configPath, overwrite: true);
        await PublishedAsync(cp, renamed);

        // Written in place: its writer may not be done, so it waits for the quiet interval (a bounded look).
        await File.WriteAllBytesAsync(_configPath, RouteTo("/in-place"));
        await Task.Delay(TimeSpan.FromSeconds(1));
        Assert.Equal(HashOf(renamed), await LatestHashAsync(cp));
    }

    public void Dispose()
    {
        _client.Dispose();
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static byte[] RouteTo(string path) =>
        System.Text.Encoding.UTF8.GetBytes("{\"Routes\":{\"it\":{\"ClusterId\":\"it\",\"Match\":{\"Path\":\"" + path + "\"}}},\"Clusters\":{\"it\":{\"Destinations\":{\"one\":{\"Address\":\"http://127.0.0.1:9/\"}}}}}");

    /// <summary>A JSON file is published byte for byte: its hash is the file's.</summary>
    private static string HashOf(byte[] json) => Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(json)).ToLowerInvariant();

    private async Task<string?> LatestHashAsync(ControlPlaneProcess cp)
    {
        using var latest = System.Text.Json.JsonDocument.Parse(await _client.GetStringAsync($"http://127.0.0.1:{cp.AdminPort}/config"));
        return latest.RootElement.GetProperty("hash").GetString();
    }

    private Task PublishedAsync(ControlPlaneProcess cp, byte[] json) =>
        cp.WaitUntilAsync(async () => await LatestHashAsync(cp) == HashOf(json), TimeSpan.FromSeconds(30));

    private static Task WaitAsync(ControlPlaneProcess cp, Func<bool> condition, IHost node, string what) =>
        Eventually.HoldsAsync(
            () => Task.FromResult(condition()),
            what,
            detail: () =>
            {
                var link = node.Services.GetRequiredService<IDataPlane>().State.Link;
                return $"link {link.Status}, last error: {link.LastError}\ncontrol plane output:\n{cp.Output}";
            });

    private async Task<IHost> StartNodeAsync(Uri endpoint, TimeSpan? reconnectDelay = null)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services
            .AddDataPlaneResilience(o =>
            {
                o.DataDirectory = Path.Combine(_dir, "node-" + Guid.NewGuid().ToString("N"));
                o.NodeId = "it-node";
                o.NodeVersion = "1.0.0";
                o.StartupTimeout = TimeSpan.FromSeconds(10);
            })
            .UseWebSocketClusterLink(o =>
            {
                o.Endpoint = endpoint;
                o.ClientCertificate = _pki.ClientCertificate;
                o.ClientIntermediates.Add(_pki.ClientIntermediate);

                // Only the root: the control plane must send its intermediate.
                o.TrustedCaCertificates.Add(_pki.Root);
                o.HeartbeatInterval = TimeSpan.FromMilliseconds(500);
                o.HeartbeatTimeout = TimeSpan.FromSeconds(3);
                o.ReconnectDelayMin = reconnectDelay ?? TimeSpan.FromMilliseconds(50);
                o.ReconnectDelayMax = (reconnectDelay ?? TimeSpan.FromMilliseconds(50)) * 2;
            });
        var host = builder.Build();
        await host.StartAsync();
        return host;
    }
}
