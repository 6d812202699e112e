using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Resilience.ControlPlane;

/// <summary>
/// Decides whether a data plane's client certificate is accepted: pinned (exact match) or PKI (chains to a
/// trusted root or intermediate, using the intermediates the data plane sent). Runs during the TLS handshake
/// (Kestrel's validation callback) and remembers what it accepted so the endpoint can check the connection's certificate.
/// </summary>
internal sealed class DataPlaneCertificateValidator
{
    private const int MaxRemembered = 100_000;
    private const string ClientAuthentication = "1.3.6.1.5.5.7.3.2";
    private const string AnyExtendedKeyUsage = "2.5.29.37.0";
    private readonly DataPlaneAuthenticationMode _mode;
    private readonly X509Certificate2Collection _pinned = [];
    private readonly X509Certificate2Collection _trusted = [];
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<string, DateTimeOffset> _accepted = new(StringComparer.Ordinal);

    public DataPlaneCertificateValidator(IOptions<DataPlaneHubOptions> options, TimeProvider timeProvider, ILogger<DataPlaneCertificateValidator> logger)
    {
        var value = options.Value;
        _mode = value.AuthenticationMode;
        _timeProvider = timeProvider;
        _logger = logger;
        _pinned.AddRange(value.PinnedCertificates);
        if (!string.IsNullOrWhiteSpace(value.PinnedCertificatesPath))
        {
            _pinned.AddRange(LinkCertificates.LoadBundle(value.PinnedCertificatesPath));
        }

        _trusted.AddRange(value.TrustedCaCertificates);
        if (!string.IsNullOrWhiteSpace(value.TrustedCaPath))
        {
            _trusted.AddRange(LinkCertificates.LoadBundle(value.TrustedCaPath));
        }
    }

    /// <summary>Validates a certificate presented in a TLS handshake.</summary>
    /// <param name="certificate">The leaf.</param>
    /// <param name="chain">The chain the TLS layer built; its extra store holds the certificates the data plane sent.</param>
    /// <returns><see langword="true"/> when accepted.</returns>
    public bool ValidateHandshake(X509Certificate2 certificate, X509Chain? chain)
    {
        var presented = new List<X509Certificate2>();
        if (chain is not null)
        {
            presented.AddRange(chain.ChainPolicy.ExtraStore.Cast<X509Certificate2>());
            presented.AddRange(chain.ChainElements.Select(e => e.Certificate).Skip(1));
        }

        var why = Check(certificate, presented);
        if (why is not null)
        {
            Log.CertificateRefused(_logger, certificate.Subject, why);
            return false;
        }

        if (_accepted.Count >= MaxRemembered)
        {
            _accepted.Clear();
        }

        _accepted[Thumbprint(certificate)] = _timeProvider.GetUtcNow();
        return true;
    }

    /// <summary>Checks the certificate of an established connection: accepted in its handshake, or acceptable on its own.</summary>
    /// <returns><see langword="null"/> when accepted, else why not.</returns>
    public string? ValidateConnection(X509Certificate2? certificate)
    {
        if (certificate is null)
        {
            return "no client certificate (configure Kestrel with RequireDataPlaneClientCertificate)";
        }

        return _accepted.ContainsKey(Thumbprint(certificate)) ? null : Check(certificate, []);
    }

    private string? Check(X509Certificate2 certificate, IEnumerable<X509Certificate2> presented)
    {
        var now = _timeProvider.GetUtcNow();
        if (now < certificate.NotBefore || now > certificate.NotAfter)
        {
            return $"it is not valid now (valid {certificate.NotBefore:u} to {certificate.NotAfter:u})";
        }

        if (CheckClientUsage(certificate) is { } usage)
        {
            return usage;
        }

        if (_mode == DataPlaneAuthenticationMode.Pinned)
        {
            var raw = certificate.RawDataMemory;
            return _pinned.Any(p => p.RawDataMemory.Span.SequenceEqual(raw.Span)) ? null : "it is not a pinned certificate";
        }

        return LinkCertificates.CheckChain(certificate, _trusted, presented, now);
    }

    /// <summary>A certificate that lists its extended key usages must list client authentication (RFC 5280); one without the extension may be used for anything.</summary>
    private static string? CheckClientUsage(X509Certificate2 certificate)
    {
        var eku = certificate.Extensions.OfType<X509EnhancedKeyUsageExtension>().FirstOrDefault();
        if (eku is null)
        {
            return null;
        }

        var listed = eku.EnhancedKeyUsages.Cast<Oid>().ToArray();
        if (listed.Any(o => o.Value is ClientAuthentication or AnyExtendedKeyUsage))
        {
            return null;
        }

        var names = listed.Length == 0 ? "none" : string.Join(", ", listed.Select(o => o.FriendlyName ?? o.Value));
        return $"it is not issued for client authentication (its extended key usage: {names})";
    }

    private static string Thumbprint(X509Certificate2 certificate) => certificate.GetCertHashString(HashAlgorithmName.SHA256);
}
