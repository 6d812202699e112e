using System.Net;
using System.Text;
using System.Text.Json;

namespace Resilience.Integration.Tests;

/// <summary>
/// The sample gateway as a real process on a data directory it cannot write: a real tmpfs remounted read-only (a disk
/// the kernel remounted after I/O errors), and a directory owned by root that the gateway, run as another user
/// (<c>setpriv</c>, since root ignores permission bits), may read but not write. Start-up never fails, what can be read
/// is served, and the admin state names every file that is not being written.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
[Collection(GatewayProcessCollection.Name)]
public sealed class ReadOnlyDataDirectoryTests : IDisposable
{
    private const int Nobody = 65534;
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "resilience-it", Guid.NewGuid().ToString("N"));
    private readonly HttpClient _client = new() { Timeout = TimeSpan.FromSeconds(10) };
    private readonly TmpfsMount _disk = TmpfsMount.Create();

    public ReadOnlyDataDirectoryTests()
    {
        Directory.CreateDirectory(_dir);
        _client.DefaultRequestHeaders.Add(GatewayProcess.AdminKeyHeader, GatewayProcess.AdminKey);
    }

    [Fact]
    public async Task New_gateway_on_a_read_only_data_directory_starts_serves_its_yaml_and_says_its_node_id_will_change()
    {
        await using var upstream = await UpstreamServer.StartAsync("from-yaml");
        var yaml = await WriteYamlAsync(upstream.Url);
        Directory.CreateDirectory(_disk.Combine("data"));
        _disk.RemountReadOnly();

        using var gateway = await GatewayProcess.StartAsync(Settings(yaml), _client);

        await gateway.WaitUntilAsync(async () => await GetBodyAsync(gateway.Url + "/hello") == "from-yaml", TimeSpan.FromSeconds(30));
        using var state = await StateAsync(gateway);
        Assert.Equal("Declarative", state.RootElement.GetProperty("servingTier").GetString());
        var unwritten = Unwritten(state);
        Assert.Equal(["cache", "node-id"], unwritten.Keys.Order().ToArray());
        Assert.Contains("changes on restart", unwritten["node-id"], StringComparison.Ordinal);
        Assert.Contains("Read-only file system", unwritten["cache"], StringComparison.Ordinal);
        Assert.Contains("1040", gateway.Output, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await _client.GetAsync(gateway.Url + "/healthz/ready")).StatusCode);
    }

    [Fact]
    public async Task Gateway_with_the_LMDB_cache_restarted_on_a_read_only_disk_serves_its_cache()
    {
        await using var upstream = await UpstreamServer.StartAsync("cached");
        var settings = Settings(yaml: null);
        settings["Gateway:Cache"] = "Lmdb";
        using (var first = await GatewayProcess.StartAsync(settings, _client))
        {
            Assert.Equal(HttpStatusCode.OK, (await _client.PostAsync(first.Url + "/resilience/apply", Json(RouteTo(upstream.Url)))).StatusCode);
            first.Kill();
        }

        Assert.True(File.Exists(_disk.Combine("data", "dbless.lmdb", "data.mdb")));
        _disk.RemountReadOnly();
        using var restarted = await GatewayProcess.StartAsync(settings, _client);

        await restarted.WaitUntilAsync(async () => await GetBodyAsync(restarted.Url + "/after-restart") == "cached", TimeSpan.FromSeconds(30));
        using var state = await StateAsync(restarted);
        Assert.Equal("Cache", state.RootElement.GetProperty("servingTier").GetString());
        var unwritten = Unwritten(state);
        Assert.Equal(["cache"], unwritten.Keys.ToArray());
        Assert.Contains("read-only, no lock file", unwritten["cache"], StringComparison.Ordinal);
        Assert.Contains("2109", restarted.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Gateway_run_as_another_user_on_a_directory_it_may_read_but_not_write_serves_its_cache()
    {
        await using var upstream = await UpstreamServer.StartAsync("cached");
        var data = Path.Combine(_dir, "owned-by-root");
        var settings = Settings(yaml: null, data);
        using (var first = await GatewayProcess.StartAsync(settings, _client))
        {
            Assert.Equal(HttpStatusCode.OK, (await _client.PostAsync(first.Url + "/resilience/apply", Json(RouteTo(upstream.Url)))).StatusCode);
            first.Kill();
        }

        // Root's directory: readable by everyone, writable by root only (files are written owner-only; an image that
        // ships a cache makes them readable).
        File.SetUnixFileMode(_dir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        File.SetUnixFileMode(data, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        foreach (var file in Directory.GetFiles(data))
        {
            File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        }

        var nodeId = await File.ReadAllTextAsync(Path.Combine(data, "node-id"));
        using var restarted = await GatewayProcess.StartAsync(settings, _client, runAsUserId: Nobody);

        await restarted.WaitUntilAsync(async () => await GetBodyAsync(restarted.Url + "/as-nobody") == "cached", TimeSpan.FromSeconds(30));
        using var state = await StateAsync(restarted);
        Assert.Equal("Cache", state.RootElement.GetProperty("servingTier").GetString());
        var unwritten = Unwritten(state);
        Assert.Equal(["cache"], unwritten.Keys.ToArray());
        Assert.Contains("denied", unwritten["cache"], StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("1040", restarted.Output, StringComparison.Ordinal);
        Assert.Equal(nodeId, await File.ReadAllTextAsync(Path.Combine(data, "node-id")));
    }

    public void Dispose()
    {
        _client.Dispose();
        _disk.Dispose();
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static Dictionary<string, string> Unwritten(JsonDocument state) =>
        state.RootElement.GetProperty("unwrittenFiles").EnumerateArray().ToDictionary(f => f.GetProperty("name").GetString()!, f => f.GetProperty("reason").GetString()!);

    private static string RouteTo(string address) => JsonSerializer.Serialize(new
    {
        // YARP's own shape: keyed by id.
        Routes = new Dictionary<string, object> { ["all"] = new { ClusterId = "c", Match = new { Path = "{**rest}" } } },
        Clusters = new Dictionary<string, object> { ["c"] = new { Destinations = new Dictionary<string, object> { ["d1"] = new { Address = address } } } },
    });

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    private Dictionary<string, string> Settings(string? yaml, string? data = null)
    {
        var settings = new Dictionary<string, string> { ["Resilience:DataDirectory"] = data ?? _disk.Combine("data") };
        if (yaml is not null)
        {
            settings["Resilience:Declarative:Path"] = yaml;
        }

        return settings;
    }

    private async Task<string> WriteYamlAsync(string upstream)
    {
        var yaml = Path.Combine(_dir, "fallback.yaml");
        await File.WriteAllTextAsync(yaml, $"Routes:\n  all:\n    ClusterId: c\n    Match: {{ Path: \"{{**rest}}\" }}\nClusters:\n  c:\n    Destinations:\n      d1: {{ Address: \"{upstream}\" }}\n");
        return yaml;
    }

    private async Task<string?> GetBodyAsync(string url)
    {
        var response = await _client.GetAsync(url);
        return response.IsSuccessStatusCode ? await response.Content.ReadAsStringAsync() : null;
    }

    private async Task<JsonDocument> StateAsync(GatewayProcess gateway) =>
        JsonDocument.Parse(await _client.GetStringAsync(gateway.Url + "/resilience/state"));
}
