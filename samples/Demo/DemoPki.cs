using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Resilience.Samples.Demo;

/// <summary>
/// A throwaway PKI written as PEM files: a root CA that issues the control plane's server certificate
/// (localhost, 127.0.0.1) and an intermediate CA that issues the data planes' client certificate. The control
/// plane trusts the root (PKI mode), so data planes send their intermediate after the leaf.
/// </summary>
internal sealed record DemoPki(string CaPath, string ServerCertificatePath, string ServerKeyPath, string ClientCertificatePath, string ClientKeyPath)
{
    public static DemoPki Create(string directory)
    {
        Directory.CreateDirectory(directory);
        using var root = CreateCa("CN=Resilience Demo Root", issuer: null);
        using var intermediate = CreateCa("CN=Resilience Demo DP Intermediate", root);
        using var server = Issue("CN=localhost", root, serverAuth: true);
        using var client = Issue("CN=gateway", intermediate, serverAuth: false);

        var pki = new DemoPki(
            Path.Combine(directory, "ca.pem"),
            Path.Combine(directory, "cp.pem"),
            Path.Combine(directory, "cp.key"),
            Path.Combine(directory, "dp.pem"),
            Path.Combine(directory, "dp.key"));
        File.WriteAllText(pki.CaPath, root.ExportCertificatePem());
        File.WriteAllText(pki.ServerCertificatePath, server.ExportCertificatePem());
        File.WriteAllText(pki.ServerKeyPath, server.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem());
        File.WriteAllText(pki.ClientCertificatePath, client.ExportCertificatePem() + "\n" + intermediate.ExportCertificatePem());
        File.WriteAllText(pki.ClientKeyPath, client.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem());
        return pki;
    }

    private static X509Certificate2 CreateCa(string subject, X509Certificate2? issuer)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, issuer is not null, issuer is null ? 1 : 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        var notBefore = DateTimeOffset.UtcNow.AddDays(-1);
        if (issuer is null)
        {
            return request.CreateSelfSigned(notBefore, notBefore.AddDays(30));
        }

        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(issuer, true, false));
        using var signed = request.Create(issuer, notBefore, notBefore.AddDays(20), RandomNumberGenerator.GetBytes(12));
        return signed.CopyWithPrivateKey(key);
    }

    private static X509Certificate2 Issue(string subject, X509Certificate2 issuer, bool serverAuth)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(serverAuth ? "1.3.6.1.5.5.7.3.1" : "1.3.6.1.5.5.7.3.2")], false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(issuer, true, false));
        if (serverAuth)
        {
            var names = new SubjectAlternativeNameBuilder();
            names.AddDnsName("localhost");
            names.AddIpAddress(IPAddress.Loopback);
            request.CertificateExtensions.Add(names.Build());
        }

        var notBefore = DateTimeOffset.UtcNow.AddDays(-1);
        using var signed = request.Create(issuer, notBefore, notBefore.AddDays(10), RandomNumberGenerator.GetBytes(12));
        return signed.CopyWithPrivateKey(key);
    }
}
