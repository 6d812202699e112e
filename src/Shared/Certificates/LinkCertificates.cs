using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Resilience;

/// <summary>Loading certificates from PEM and PKCS#12 files, and chain checks shared by both ends of the link.</summary>
internal static class LinkCertificates
{
    /// <summary>The value of a trusted-CA setting that means "the system trust store".</summary>
    public const string SystemTrust = "system";

    /// <summary>The extended key usage of a TLS server certificate (id-kp-serverAuth).</summary>
    public const string ServerAuthentication = "1.3.6.1.5.5.7.3.1";

    private const string AnyExtendedKeyUsage = "2.5.29.37.0";

    /// <summary>Loads every certificate of a PEM bundle (or a single DER certificate).</summary>
    public static X509Certificate2Collection LoadBundle(string path)
    {
        var collection = new X509Certificate2Collection();
        var text = File.ReadAllText(path);
        if (text.Contains("-----BEGIN", StringComparison.Ordinal))
        {
            collection.ImportFromPem(text);
        }
        else
        {
#if NET9_0_OR_GREATER
            collection.Add(X509CertificateLoader.LoadCertificateFromFile(path));
#else
            collection.Add(new X509Certificate2(path));
#endif
        }

        if (collection.Count == 0)
        {
            throw new InvalidOperationException($"'{path}' holds no certificate");
        }

        return collection;
    }

    /// <summary>Loads a trusted-CA setting: <see langword="null"/> for the system trust store.</summary>
    public static X509Certificate2Collection? LoadTrust(string? path, X509Certificate2Collection extra)
    {
        var useFile = !string.IsNullOrWhiteSpace(path) && !string.Equals(path, SystemTrust, StringComparison.OrdinalIgnoreCase);
        if (!useFile && extra.Count == 0)
        {
            return null;
        }

        var trust = new X509Certificate2Collection();
        if (useFile)
        {
            trust.AddRange(LoadBundle(path!));
        }

        trust.AddRange(extra);
        return trust;
    }

    /// <summary>
    /// Checks that <paramref name="certificate"/> chains to one of <paramref name="anchors"/>. An anchor
    /// may be a root or an intermediate: a certificate issued by a trusted intermediate is accepted
    /// without the root. <paramref name="presented"/> are the extra certificates the peer sent.
    /// </summary>
    /// <returns><see langword="null"/> when trusted, else why not.</returns>
    public static string? CheckChain(X509Certificate2 certificate, X509Certificate2Collection anchors, IEnumerable<X509Certificate2> presented, DateTimeOffset now)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.DisableCertificateDownloads = true;
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.VerificationTime = now.UtcDateTime;
        chain.ChainPolicy.VerificationTimeIgnored = false;
        foreach (var anchor in anchors)
        {
            if (IsSelfSigned(anchor))
            {
                chain.ChainPolicy.CustomTrustStore.Add(anchor);
            }
            else
            {
                chain.ChainPolicy.ExtraStore.Add(anchor);
            }
        }

        foreach (var extra in presented)
        {
            chain.ChainPolicy.ExtraStore.Add(extra);
        }

        // A trusted intermediate is an anchor too (the reference's "upload only cert2" case):
        // the chain may then be partial above it, which is fine, but every link below it must be sound.
        var hasIntermediateAnchor = anchors.Any(a => !IsSelfSigned(a));
        if (hasIntermediateAnchor)
        {
            chain.ChainPolicy.VerificationFlags = X509VerificationFlags.AllowUnknownCertificateAuthority;
        }

        try
        {
            if (chain.Build(certificate) && !hasIntermediateAnchor)
            {
                return null;
            }

            if (!hasIntermediateAnchor)
            {
                return Describe(chain);
            }

            for (var i = 0; i < chain.ChainElements.Count; i++)
            {
                var element = chain.ChainElements[i];
                var bad = element.ChainElementStatus.Where(s => s.Status is not (X509ChainStatusFlags.NoError or X509ChainStatusFlags.UntrustedRoot or X509ChainStatusFlags.PartialChain)).ToArray();
                if (bad.Length > 0)
                {
                    return $"{element.Certificate.Subject}: {string.Join(", ", bad.Select(s => s.Status))}";
                }

                if (anchors.Any(a => a.RawDataMemory.Span.SequenceEqual(element.Certificate.RawDataMemory.Span)))
                {
                    return null;
                }
            }

            return Describe(chain);
        }
        catch (CryptographicException ex)
        {
            return ex.Message;
        }
    }

    /// <summary>
    /// Checks that a certificate may be used for <paramref name="usage"/>: when it carries the extended key usage
    /// extension, the extension must list that usage (or any usage). A certificate without the extension may be used for anything (RFC 5280).
    /// </summary>
    /// <param name="certificate">The certificate.</param>
    /// <param name="usage">The OID of the usage.</param>
    /// <param name="purpose">The usage in words, for the error.</param>
    /// <returns><see langword="null"/> when allowed, else why not.</returns>
    public static string? CheckUsage(X509Certificate2 certificate, string usage, string purpose)
    {
        foreach (var extension in certificate.Extensions)
        {
            if (extension is X509EnhancedKeyUsageExtension eku)
            {
                var listed = eku.EnhancedKeyUsages.Cast<Oid>().ToArray();
                if (listed.Any(o => o.Value is { } value && (value == usage || value == AnyExtendedKeyUsage)))
                {
                    return null;
                }

                var names = listed.Length == 0 ? "none" : string.Join(", ", listed.Select(o => o.FriendlyName ?? o.Value));
                return $"it is not issued for {purpose} (its extended key usage: {names})";
            }
        }

        return null;
    }

    /// <summary>A public-only copy of a certificate.</summary>
    public static X509Certificate2 Copy(X509Certificate2 certificate) =>
#if NET9_0_OR_GREATER
        X509CertificateLoader.LoadCertificate(certificate.RawDataMemory.Span);
#else
        new(certificate.RawData);
#endif

    public static bool IsSelfSigned(X509Certificate2 certificate) => certificate.SubjectName.RawData.AsSpan().SequenceEqual(certificate.IssuerName.RawData);

    private static string Describe(X509Chain chain)
    {
        var statuses = chain.ChainStatus.Select(s => s.Status.ToString()).Distinct().ToArray();
        return statuses.Length == 0 ? "the chain does not end at a trusted certificate" : $"the chain does not end at a trusted certificate ({string.Join(", ", statuses)})";
    }
}
