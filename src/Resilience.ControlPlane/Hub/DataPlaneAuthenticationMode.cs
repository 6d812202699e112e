namespace Resilience.ControlPlane;

/// <summary>How the control plane accepts a data plane's client certificate.</summary>
public enum DataPlaneAuthenticationMode
{
    /// <summary>The certificate must be one of the pinned certificates (exact match); no chain is evaluated.</summary>
    Pinned = 0,

    /// <summary>
    /// The certificate must chain to a trusted CA. A trusted intermediate accepts any certificate it issued;
    /// a trusted root requires the data plane to send the intermediates it needs.
    /// </summary>
    Pki = 1,
}
