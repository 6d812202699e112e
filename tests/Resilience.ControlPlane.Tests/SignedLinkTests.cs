using System.Security.Cryptography;
using Microsoft.Extensions.DependencyInjection;

namespace Resilience.ControlPlane.Tests;

/// <summary>Signed configurations end to end: the CP signs on publish, the DP checks with the public key.</summary>
public sealed class SignedLinkTests : IDisposable
{
    private readonly ECDsa _key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private readonly string _keyPath = Path.Combine(Path.GetTempPath(), $"cp-signing-{Guid.NewGuid():N}.pem");

    public SignedLinkTests() => File.WriteAllText(_keyPath, _key.ExportPkcs8PrivateKeyPem());

    [Fact]
    public async Task Config_signed_by_the_control_plane_is_applied_and_cached_with_its_signature()
    {
        await using var cp = await ControlPlaneServer.StartAsync(Pki.ServerCertificate, o =>
        {
            Pki.Hub(o);
            o.SigningKeyPath = _keyPath;
        });
        var published = await cp.PublishAsync("""{"name":"signed"}""");
        Assert.True(ConfigSignature.Verify("""{"name":"signed"}"""u8, published.Signature, _key));

        await using var dp = await DataPlaneNode.StartAsync(Pki.Link(cp.Endpoint), services: RequireSignatures);
        await Eventually.HoldsAsync(() => dp.Current?.Hash == published.Hash, "the DP serves the signed config");

        Assert.Equal(published.Signature, dp.Current!.Signature);
    }

    [Fact]
    public async Task Unsigned_config_is_rejected_by_a_node_that_requires_signatures_and_reported_to_the_registry()
    {
        await using var cp = await ControlPlaneServer.StartAsync(Pki.ServerCertificate, Pki.Hub);
        await cp.PublishAsync("""{"name":"unsigned"}""");

        await using var dp = await DataPlaneNode.StartAsync(Pki.Link(cp.Endpoint), services: RequireSignatures);
        await Eventually.HoldsAsync(() => dp.State.LastApplyResult is { Outcome: ApplyOutcome.Rejected }, "the DP rejects the unsigned config");

        Assert.Equal(RejectionReason.SignatureInvalid, dp.State.LastApplyResult!.Reason);
        Assert.Null(dp.Current);
        await Eventually.HoldsAsync(() => cp.Registry.GetAll().SingleOrDefault()?.LastApplyError is { Length: > 0 }, "the CP's registry shows the rejection");
    }

    [Theory]
    [InlineData("not a key")]
    [InlineData("missing")]
    public async Task A_signing_key_that_is_not_a_P256_key_file_fails_at_start(string content)
    {
        var path = Path.Combine(Path.GetTempPath(), $"cp-bad-key-{Guid.NewGuid():N}.pem");
        if (content != "missing")
        {
            await File.WriteAllTextAsync(path, "-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE KEY-----\n");
        }

        try
        {
            // Kestrel reads the hub options while it is configured, so the failure may come from building or starting.
            var error = await Assert.ThrowsAsync<Microsoft.Extensions.Options.OptionsValidationException>(async () =>
            {
                await using var cp = await ControlPlaneServer.StartAsync(Pki.ServerCertificate, o =>
                {
                    Pki.Hub(o);
                    o.SigningKeyPath = path;
                });
            });
            Assert.Contains(error.Failures, f => f.Contains("SigningKeyPath", StringComparison.Ordinal));
        }
        finally
        {
            File.Delete(path);
        }
    }

    public void Dispose()
    {
        _key.Dispose();
        File.Delete(_keyPath);
    }

    private void RequireSignatures(IServiceCollection services) =>
        services.Configure<ConfigSigningOptions>(o => o.PublicKeyPem = _key.ExportSubjectPublicKeyInfoPem());
}
