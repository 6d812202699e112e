using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;

namespace Resilience.Integration.Tests;

/// <summary>
/// The sample gateway as a real process whose own set-up changes between restarts while its control plane is down:
/// the cache kind (file to LMDB and back), encryption turned on, the key rotated. Each time it serves what the other
/// form left (through the same checks), writes its own form, logs the migration (event 2010) and leaves the old file.
/// </summary>
[Collection(GatewayProcessCollection.Name)]
public sealed class CacheKindMigrationTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "resilience-it", Guid.NewGuid().ToString("N"));
    private readonly HttpClient _client = new() { Timeout = TimeSpan.FromSeconds(10) };

    public CacheKindMigrationTests()
    {
        Directory.CreateDirectory(_dir);
        _client.DefaultRequestHeaders.Add(GatewayProcess.AdminKeyHeader, GatewayProcess.AdminKey);
    }

    private string Data => Path.Combine(_dir, "data");

    [Fact]
    public async Task Gateway_switched_to_LMDB_while_its_control_plane_is_down_serves_what_its_file_cache_held_and_writes_LMDB()
    {
        await using var upstream = await UpstreamServer.StartAsync("kept");
        var settings = await DownControlPlaneSettingsAsync();
        await ServeThenKillAsync(settings, upstream.Url);

        settings["Gateway:Cache"] = "Lmdb";
        using (var switched = await GatewayProcess.StartAsync(settings, _client))
        {
            await AssertServesFromCacheAsync(switched);
            Assert.Contains("2010", switched.Output, StringComparison.Ordinal);
            switched.Kill();
        }

        Assert.True(File.Exists(Path.Combine(Data, "config.json.gz")), "the old file is left for the operator");
        Assert.True(File.Exists(Path.Combine(Data, "dbless.lmdb", "data.mdb")));

        // LMDB holds it now: without the old file a restart still serves it.
        File.Delete(Path.Combine(Data, "config.json.gz"));
        using var again = await GatewayProcess.StartAsync(settings, _client);
        await AssertServesFromCacheAsync(again);
        Assert.DoesNotContain("2010", again.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Gateway_moved_back_from_LMDB_to_the_file_cache_serves_what_LMDB_held()
    {
        await using var upstream = await UpstreamServer.StartAsync("kept");
        var settings = await DownControlPlaneSettingsAsync();
        settings["Gateway:Cache"] = "Lmdb";
        await ServeThenKillAsync(settings, upstream.Url);

        settings.Remove("Gateway:Cache");
        using var back = await GatewayProcess.StartAsync(settings, _client);

        await AssertServesFromCacheAsync(back);
        Assert.Contains("2010", back.Output, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(Data, "config.json.gz")));
        Assert.True(File.Exists(Path.Combine(Data, "dbless.lmdb", "data.mdb")), "the old directory is left for the operator");
    }

    [Fact]
    public async Task Gateway_with_cache_encryption_turned_on_and_then_its_key_rotated_keeps_serving_and_reseals()
    {
        await using var upstream = await UpstreamServer.StartAsync("kept");
        var settings = await DownControlPlaneSettingsAsync();
        await ServeThenKillAsync(settings, upstream.Url);
        var first = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        var second = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

        settings["RESILIENCE_CACHE_KEY"] = first;
        using (var encrypted = await GatewayProcess.StartAsync(settings, _client))
        {
            await AssertServesFromCacheAsync(encrypted);
            Assert.Contains("unencrypted", encrypted.Output, StringComparison.Ordinal);
            encrypted.Kill();
        }

        var sealedWithFirst = await File.ReadAllBytesAsync(Path.Combine(Data, "config.json.gz"));
        Assert.True(CacheEncryption.IsSealed(sealedWithFirst));

        settings["RESILIENCE_CACHE_KEY"] = second;
        settings["Resilience:Cache:Encryption:PreviousKeys:0"] = first;
        using (var rotated = await GatewayProcess.StartAsync(settings, _client))
        {
            await AssertServesFromCacheAsync(rotated);
            Assert.Contains("previous key", rotated.Output, StringComparison.Ordinal);
            rotated.Kill();
        }

        var sealedWithSecond = await File.ReadAllBytesAsync(Path.Combine(Data, "config.json.gz"));
        Assert.NotEqual(sealedWithFirst.AsSpan(4, 4).ToArray(), sealedWithSecond.AsSpan(4, 4).ToArray());
        settings.Remove("Resilience:Cache:Encryption:PreviousKeys:0");
        using var settled = await GatewayProcess.StartAsync(settings, _client);
        await AssertServesFromCacheAsync(settled);
        Assert.DoesNotContain("2010", settled.Output, StringComparison.Ordinal);
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

    private async Task ServeThenKillAsync(Dictionary<string, string> settings, string upstream)
    {
        using var first = await GatewayProcess.StartAsync(settings, _client);
        var body = JsonSerializer.Serialize(new
        {
            // YARP's own shape: keyed by id.
            Routes = new Dictionary<string, object> { ["all"] = new { ClusterId = "c", Match = new { Path = "{**rest}" } } },
            Clusters = new Dictionary<string, object> { ["c"] = new { Destinations = new Dictionary<string, object> { ["d1"] = new { Address = upstream } } } },
        });
        Assert.Equal(HttpStatusCode.OK, (await _client.PostAsync(first.Url + "/resilience/apply", new StringContent(body, Encoding.UTF8, "application/json"))).StatusCode);
        first.Kill();
    }

    private async Task AssertServesFromCacheAsync(GatewayProcess gateway)
    {
        await gateway.WaitUntilAsync(async () => (await _client.GetAsync(gateway.Url + "/through-the-cache")) is { IsSuccessStatusCode: true } ok && await ok.Content.ReadAsStringAsync() == "kept", TimeSpan.FromSeconds(30));
        using var state = JsonDocument.Parse(await _client.GetStringAsync(gateway.Url + "/resilience/state"));
        Assert.Equal("Cache", state.RootElement.GetProperty("servingTier").GetString());
        Assert.NotEqual("Connected", state.RootElement.GetProperty("link").GetString());
    }

    /// <summary>A link to a control plane that is down (nothing listens on its port), with a real client certificate.</summary>
    private async Task<Dictionary<string, string>> DownControlPlaneSettingsAsync()
    {
        var pki = ControlPlanePki.Create(Path.Combine(_dir, "pki"));
        var certificate = Path.Combine(_dir, "pki", "node.pem");
        var key = Path.Combine(_dir, "pki", "node.key");
        await File.WriteAllTextAsync(certificate, pki.ClientCertificate.ExportCertificatePem() + "\n" + pki.ClientIntermediate.ExportCertificatePem());
        await File.WriteAllTextAsync(key, pki.ClientCertificate.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem());
        var port = FreePort.Next();
        return new Dictionary<string, string>
        {
            ["Resilience:DataDirectory"] = Data,
            ["Resilience:StartupTimeout"] = "00:00:05",
            ["Resilience:ClusterLink:Endpoint"] = $"wss://localhost:{port}/v1/outlet",
            ["Resilience:ClusterLink:ClientCertificatePath"] = certificate,
            ["Resilience:ClusterLink:ClientKeyPath"] = key,
            ["Resilience:ClusterLink:TrustedCaPath"] = pki.CaPath,
            ["Resilience:Cache:Encryption:KeyEnvironmentVariable"] = "RESILIENCE_CACHE_KEY",
        };
    }
}
