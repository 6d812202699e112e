using System.Security.Cryptography;

namespace Resilience;

/// <summary>
/// Reads the P-256 keys of the signature scheme from PEM: the public key on nodes (Core), the private key on the
/// control plane. Shared source, so both ends accept and refuse exactly the same keys.
/// </summary>
internal static class EcdsaPem
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

    /// <summary>Why a PEM cannot serve as a signing key, or <see langword="null"/> when it is a P-256 ECDSA key.</summary>
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
