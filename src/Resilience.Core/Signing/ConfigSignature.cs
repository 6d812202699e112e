using System.Security.Cryptography;

namespace Resilience;

/// <summary>
/// The signature scheme: ECDSA P-256 with SHA-256 over the exact UTF-8 JSON payload (the bytes the
/// configuration hash covers), IEEE P1363 encoding, base64. The control plane signs; nodes verify.
/// </summary>
public static class ConfigSignature
{
    /// <summary>Signs a payload.</summary>
    /// <param name="payload">The UTF-8 JSON payload.</param>
    /// <param name="privateKey">The control plane's P-256 private key.</param>
    /// <returns>The base64 signature.</returns>
    public static string Sign(ReadOnlySpan<byte> payload, ECDsa privateKey)
    {
        ArgumentNullException.ThrowIfNull(privateKey);
        return Convert.ToBase64String(privateKey.SignData(payload, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation));
    }

    /// <summary>Checks a signature.</summary>
    /// <param name="payload">The UTF-8 JSON payload.</param>
    /// <param name="signature">The base64 signature.</param>
    /// <param name="publicKey">The control plane's P-256 public key.</param>
    /// <returns><see langword="true"/> when the signature is well-formed and matches.</returns>
    public static bool Verify(ReadOnlySpan<byte> payload, string? signature, ECDsa publicKey)
    {
        ArgumentNullException.ThrowIfNull(publicKey);
        if (string.IsNullOrEmpty(signature))
        {
            return false;
        }

        Span<byte> raw = stackalloc byte[128];
        return Convert.TryFromBase64String(signature, raw, out var length)
            && publicKey.VerifyData(payload, raw[..length], HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
    }
}
