using System.Security.Cryptography;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Resilience.Tests.Signing;

/// <summary>Signed configurations: a node with the control plane's public key refuses unsigned or tampered ones from the link, the cache and the store.</summary>
public sealed class SignedConfigTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly ECDsa _controlPlaneKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private readonly ECDsa _attackerKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private readonly ScriptedClusterLink _link = new();

    [Fact]
    public async Task Signed_push_is_served_and_its_signature_survives_a_restart_through_the_cache()
    {
        PushSigned(Configs.Json("signed"), _controlPlaneKey);
        await (await StartAsync()).DisposeAsync();

        var silent = new ScriptedClusterLink();
        await using var restarted = await ChainNode.StartAsync(Settings(), b => b.UseClusterLink(silent));

        Assert.Equal("signed", Configs.NameOf(restarted.DataPlane.Current));
        Assert.Equal(ConfigOrigin.Cache, restarted.DataPlane.State.ServingTier);
    }

    [Theory]
    [InlineData("missing")]
    [InlineData("wrong-key")]
    [InlineData("tampered-payload")]
    public async Task Push_without_a_valid_signature_is_rejected(string problem)
    {
        PushSigned(Configs.Json("good"), _controlPlaneKey);
        var bad = Configs.Json("evil");
        var signature = problem switch
        {
            "missing" => null,
            "wrong-key" => ConfigSignature.Sign(bad, _attackerKey),
            _ => ConfigSignature.Sign(Configs.Json("something-else"), _controlPlaneKey),
        };
        _link.Then(c => c.ApplyAsync(new ConfigDocument(bad, ConfigFormat.Json, ConfigOrigin.ControlPlane) { Signature = signature }, default).AsTask());
        await using var node = await StartAsync();
        await node.Services.GetRequiredService<DataPlane>().WaitForStateAsync(s => s.LastApplyResult?.Outcome == ApplyOutcome.Rejected, default).WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(RejectionReason.SignatureInvalid, node.DataPlane.State.LastApplyResult!.Reason);
        Assert.Equal("good", Configs.NameOf(node.DataPlane.Current));
    }

    [Fact]
    public async Task Cache_rewritten_without_the_signature_is_refused_and_the_yaml_serves()
    {
        var yaml = _dir.Combine("config.yaml");
        await File.WriteAllTextAsync(yaml, Configs.Yaml("from-yaml"));

        // An attacker with disk access writes a well-formed cache (right hash, no signature).
        var cache = new FileConfigCache(_dir.Combine("data", "config.json.gz"), 1 << 20, 1 << 24, TimeProvider.System, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);
        await cache.SaveAsync(new ConfigSnapshot(Configs.Json("evil"), ConfigHash.Compute(Configs.Json("evil")), ConfigOrigin.ControlPlane, DateTimeOffset.UtcNow), default);

        await using var node = await ChainNode.StartAsync(Settings(yaml));

        Assert.Equal("from-yaml", Configs.NameOf(node.DataPlane.Current));
    }

    [Theory]
    [InlineData(true, "from-store")]
    [InlineData(false, "from-yaml")]
    public async Task Store_object_is_imported_only_with_a_valid_signature(bool signedByControlPlane, string expected)
    {
        var storeDir = _dir.Combine("store");
        var payload = Configs.Json("from-store");
        var signature = ConfigSignature.Sign(payload, signedByControlPlane ? _controlPlaneKey : _attackerKey);
        await new FileFallbackStore(storeDir).PutAsync(FallbackStoreKeys.Config("1.0.0"), payload, new Dictionary<string, string> { [FallbackImporter.SignatureMetadataKey] = signature }, default);
        var yaml = _dir.Combine("config.yaml");
        await File.WriteAllTextAsync(yaml, Configs.Yaml("from-yaml"));
        var settings = Settings(yaml);
        settings["Resilience:FallbackStore:Storage"] = new Uri(storeDir).AbsoluteUri;
        settings["Resilience:FallbackStore:Import"] = "true";

        await using var node = await ChainNode.StartAsync(settings);

        Assert.Equal(expected, Configs.NameOf(node.DataPlane.Current));
    }

    [Fact]
    public async Task Declarative_yaml_stays_operator_owned_and_unsigned()
    {
        var yaml = _dir.Combine("config.yaml");
        await File.WriteAllTextAsync(yaml, Configs.Yaml("from-yaml"));

        await using var node = await ChainNode.StartAsync(Settings(yaml));

        Assert.Equal("from-yaml", Configs.NameOf(node.DataPlane.Current));
    }

    [Fact]
    public async Task A_key_that_is_not_a_P256_public_key_fails_at_start()
    {
        var settings = Settings();
        settings["Resilience:Signing:PublicKeyPem"] = "-----BEGIN PUBLIC KEY-----\nnot a key\n-----END PUBLIC KEY-----";

        await Assert.ThrowsAsync<OptionsValidationException>(() => ChainNode.StartAsync(settings));
    }

    public void Dispose()
    {
        _controlPlaneKey.Dispose();
        _attackerKey.Dispose();
        _dir.Dispose();
    }

    private void PushSigned(byte[] json, ECDsa key) =>
        _link.Then(c => c.ApplyAsync(new ConfigDocument(json, ConfigFormat.Json, ConfigOrigin.ControlPlane) { Signature = ConfigSignature.Sign(json, key) }, default).AsTask());

    private Dictionary<string, string?> Settings(string? yaml = null)
    {
        var settings = ChainNode.Settings(_dir, yaml);
        settings["Resilience:Signing:PublicKeyPem"] = _controlPlaneKey.ExportSubjectPublicKeyInfoPem();
        return settings;
    }

    private Task<ChainNode> StartAsync() => ChainNode.StartAsync(Settings(), b => b.UseClusterLink(_link));
}
