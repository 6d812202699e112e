using System.Security.Cryptography;

namespace Resilience.ElectionHost;

/// <summary>The configuration hash as the protocol defines it (lowercase hex SHA-256 of the JSON), computed here so the host needs only public API.</summary>
internal static class Sha256Hex
{
    public static string Of(ReadOnlySpan<byte> content) => Convert.ToHexStringLower(SHA256.HashData(content));
}
