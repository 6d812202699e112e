namespace Resilience;

/// <summary>
/// Signed configurations (beyond the reference): with a public key set, every configuration that
/// came from the control plane (pushed, cached or imported from the fallback store) must carry a
/// valid signature, so a tampered cache or bucket object cannot take over a fleet. The declarative
/// YAML and manual applies are operator-owned and not checked. Bound from the <c>Signing</c> sub-section.
/// </summary>
public sealed class ConfigSigningOptions
{
    /// <summary>Gets or sets the control plane's ECDSA P-256 public key in PEM (<c>-----BEGIN PUBLIC KEY-----</c>).</summary>
    public string? PublicKeyPem { get; set; }

    /// <summary>Gets or sets a file holding the PEM public key; used when <see cref="PublicKeyPem"/> is unset.</summary>
    public string? PublicKeyPath { get; set; }
}
