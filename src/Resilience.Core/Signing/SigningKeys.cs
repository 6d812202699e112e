namespace Resilience;

/// <summary>Where a node's public verification key comes from (the PEM itself is read by <see cref="EcdsaPem"/>).</summary>
internal static class SigningKeys
{
    /// <summary>The PEM a node verifies with: <see cref="ConfigSigningOptions.PublicKeyPem"/>, else the file at <see cref="ConfigSigningOptions.PublicKeyPath"/>; <see langword="null"/> when signing is off.</summary>
    public static string? PublicKeyPem(ConfigSigningOptions options) =>
        !string.IsNullOrWhiteSpace(options.PublicKeyPem) ? options.PublicKeyPem
        : !string.IsNullOrWhiteSpace(options.PublicKeyPath) ? File.ReadAllText(options.PublicKeyPath)
        : null;
}
