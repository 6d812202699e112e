using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Resilience.ControlPlane.Tests;

/// <summary>Certificates generated in the test: root -> intermediate -> leaf for data planes, and a server certificate for the control plane.</summary>
internal sealed class TestPki
{
    /// <summary>id-kp-clientAuth.</summary>
    public const string ClientAuthentication = "1.3.6.1.5.5.7.3.2";

    /// <summary>id-kp-serverAuth.</summary>
    public const string ServerAuthentication = "1.3.6.1.5.5.7.3.1";

    private TestPki(string name)
    {
        Root = CreateCa($"CN={name} Root", null);
        Intermediate = CreateCa($"CN={name} Intermediate", Root);
    }

    public X509Certificate2 Root { get; }

    public X509Certificate2 Intermediate { get; }

    public static TestPki Create(string name) => new(name);

    /// <summary>A data-plane client certificate issued by the intermediate.</summary>
    public X509Certificate2 IssueClient(string commonName) => Issue(commonName, Intermediate, [ClientAuthentication], []);

    /// <summary>A server certificate issued by the root for the given names (and 127.0.0.1).</summary>
    public X509Certificate2 IssueServer(params string[] dnsNames) => Issue(dnsNames[0], Root, [ServerAuthentication], dnsNames);

    /// <summary>A certificate issued by the intermediate with the given extended key usages (none: no extension), and DNS names.</summary>
    public X509Certificate2 IssueFromIntermediate(string commonName, string[] usages, params string[] dnsNames) => Issue(commonName, Intermediate, usages, dnsNames);

    /// <summary>A certificate issued by the root with the given extended key usages (none: no extension), and DNS names.</summary>
    public X509Certificate2 IssueFromRoot(string commonName, string[] usages, params string[] dnsNames) => Issue(commonName, Root, usages, dnsNames);

    /// <summary>Another intermediate CA under the same root (e.g. one that issues the control plane's server leaf).</summary>
    public X509Certificate2 CreateIntermediate(string name) => CreateCa($"CN={name}", Root);

    /// <summary>A certificate issued by <paramref name="issuer"/> with the given extended key usages and DNS names.</summary>
    public static X509Certificate2 IssueFrom(X509Certificate2 issuer, string commonName, string[] usages, params string[] dnsNames) => Issue(commonName, issuer, usages, dnsNames);

    /// <summary>A self-signed client certificate (for pinning).</summary>
    public static X509Certificate2 SelfSignedClient(string commonName)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={commonName}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.2")], false));
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
    }

    /// <summary>Writes a certificate (and its key) as PEM.</summary>
    public static void WritePem(X509Certificate2 certificate, string certPath, string? keyPath = null)
    {
        File.WriteAllText(certPath, certificate.ExportCertificatePem());
        if (keyPath is not null)
        {
            var key = (AsymmetricAlgorithm?)certificate.GetECDsaPrivateKey() ?? certificate.GetRSAPrivateKey()!;
            File.WriteAllText(keyPath, key.ExportPkcs8PrivateKeyPem());
        }
    }

    private static X509Certificate2 CreateCa(string subject, X509Certificate2? issuer)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, issuer is not null, issuer is null ? 1 : 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        var notBefore = DateTimeOffset.UtcNow.AddDays(-1);
        var notAfter = DateTimeOffset.UtcNow.AddYears(1);
        if (issuer is null)
        {
            return request.CreateSelfSigned(notBefore, notAfter);
        }

        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(issuer, true, false));
        using var signed = request.Create(issuer, notBefore, notAfter.AddDays(-1), RandomSerial());
        return signed.CopyWithPrivateKey(key);
    }

    private static X509Certificate2 Issue(string commonName, X509Certificate2 issuer, string[] usages, string[] dnsNames)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={commonName}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        if (usages.Length > 0)
        {
            var oids = new OidCollection();
            foreach (var usage in usages)
            {
                oids.Add(new Oid(usage));
            }

            request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(oids, false));
        }

        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(issuer, true, false));
        if (dnsNames.Length > 0)
        {
            var san = new SubjectAlternativeNameBuilder();
            foreach (var name in dnsNames)
            {
                san.AddDnsName(name);
            }

            san.AddIpAddress(IPAddress.Loopback);
            request.CertificateExtensions.Add(san.Build());
        }

        using var signed = request.Create(issuer, DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30), RandomSerial());
        return signed.CopyWithPrivateKey(key);
    }

    private static byte[] RandomSerial() => RandomNumberGenerator.GetBytes(12);
}
