using System.Security.Cryptography;
using Microsoft.Extensions.Options;

namespace Resilience.ControlPlane;

/// <summary>Signs published configurations with the control plane's key, when one is configured.</summary>
internal sealed class ConfigSigner : IDisposable
{
    private readonly ECDsa? _key;

    public ConfigSigner(IOptions<DataPlaneHubOptions> options)
    {
        if (options.Value.SigningKeyPath is { Length: > 0 } path)
        {
            _key = EcdsaPem.Load(File.ReadAllText(path));
        }
    }

    /// <returns>The signature, or <see langword="null"/> when the control plane does not sign.</returns>
    public string? Sign(ReadOnlySpan<byte> json) => _key is null ? null : ConfigSignature.Sign(json, _key);

    public void Dispose() => _key?.Dispose();
}
