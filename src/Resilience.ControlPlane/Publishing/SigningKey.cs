using System.Security.Cryptography;

namespace Resilience.ControlPlane;

/// <summary>
/// Reads the control plane's private signing key (ECDSA P-256, PEM) for <see cref="ConfigSignature.Sign"/>; the
/// scheme itself is Core's public <see cref="ConfigSignature"/>.
/// </summary>
internal static class SigningKey
{
    /// <exception cref="ArgumentException">Not a PEM key.</exception>
    /// <exception cref="CryptographicException">Not an ECDSA key.</exception>
    public static ECDsa Load(string pem)
    {
        var key = ECDsa.Create();
        try
        {
            key.ImportFromPem(pem);
            return key;
        }
        catch
        {
            key.Dispose();
            throw;
        }
    }

    /// <summary>Why a PEM cannot serve as the signing key, or <see langword="null"/> when it is a P-256 ECDSA key.</summary>
    public static string? Problem(string pem)
    {
        try
        {
            using var key = Load(pem);
            return key.KeySize == 256 ? null : $"it is a {key.KeySize}-bit key; a P-256 key is required";
        }
        catch (Exception ex) when (ex is ArgumentException or CryptographicException)
        {
            return $"it is not a PEM ECDSA key: {ex.Message}";
        }
    }
}
