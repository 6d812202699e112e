using System.Security.Cryptography;
using Microsoft.Extensions.Options;

namespace Resilience;

/// <summary>The pipeline step that refuses unsigned or badly signed configurations from the control plane's tiers.</summary>
internal sealed class ConfigSignatureCheck : IDisposable
{
    private readonly ECDsa? _publicKey;

    public ConfigSignatureCheck(IOptions<ConfigSigningOptions> options)
    {
        if (SigningKeys.PublicKeyPem(options.Value) is { } pem)
        {
            _publicKey = EcdsaPem.Load(pem);
        }
    }

    public bool IsEnabled => _publicKey is not null;

    /// <exception cref="ConfigRejectedException">A configuration from a control-plane tier is unsigned or the signature does not match.</exception>
    public void Check(ConfigDocument document, ReadOnlySpan<byte> payload)
    {
        if (_publicKey is null || !TierRules.IsSigned(document.Origin))
        {
            return;
        }

        if (string.IsNullOrEmpty(document.Signature))
        {
            throw new ConfigRejectedException(RejectionReason.SignatureInvalid, $"configuration from {document.Origin} is not signed and signing is required");
        }

        if (!ConfigSignature.Verify(payload, document.Signature, _publicKey))
        {
            throw new ConfigRejectedException(RejectionReason.SignatureInvalid, $"configuration from {document.Origin} has a signature that does not match the control plane's key");
        }
    }

    /// <summary>Checks a licence's signature; without a configured key every licence passes.</summary>
    public bool VerifyLicense(ReadOnlySpan<byte> payload, string? signature, out string why)
    {
        why = string.Empty;
        if (_publicKey is null)
        {
            return true;
        }

        if (string.IsNullOrEmpty(signature))
        {
            why = "the licence is not signed and signing is required";
            return false;
        }

        if (!ConfigSignature.Verify(payload, signature, _publicKey))
        {
            why = "the licence signature does not match the control plane's key";
            return false;
        }

        return true;
    }

    public void Dispose() => _publicKey?.Dispose();
}
