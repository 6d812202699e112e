using System.Security.Cryptography;

namespace Resilience;

/// <summary>The configuration hash: lowercase hex SHA-256 of the UTF-8 JSON payload, the same on every tier and on the control plane.</summary>
public static class ConfigHash
{
    /// <summary>Computes the hash of a payload.</summary>
    /// <param name="payload">UTF-8 JSON.</param>
    /// <returns>64 lowercase hex characters.</returns>
    public static string Compute(ReadOnlySpan<byte> payload)
    {
        Span<byte> digest = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(payload, digest);
#if NET9_0_OR_GREATER
        return Convert.ToHexStringLower(digest);
#else
        return Convert.ToHexString(digest).ToLowerInvariant();
#endif
    }
}
