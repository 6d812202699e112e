using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Resilience.Integration.Tests;

/// <summary>
/// PEM files for the sample control plane: its server leaf comes from an intermediate (root -> CP intermediate -> leaf)
/// and cp.pem holds the leaf followed by the intermediate; nodes trust only the root. Node certificates come from a DP
/// intermediate under the same root, which the control plane trusts.
/// </summary>
internal sealed class ControlPlanePki
{
    private ControlPlanePki(string directory)
    {
        Directory.CreateDirectory(directory);
        Root = CreateCa("CN=IT Root", null);
        var serverIntermediate = CreateCa("CN=IT CP Intermediate", Root);
        ClientIntermediate = CreateCa("CN=IT DP Intermediate", Root);
        var server = Issue("CN=localhost", serverIntermediate, "1.3.6.1.5.5.7.3.1", serverNames: true);
        ClientCertificate = Issue("CN=it-node", ClientIntermediate, "1.3.6.1.5.5.7.3.2", serverNames: false);
        CaPath = Path.Combine(directory, "ca.pem");
        ServerCertificatePath = Path.Combine(directory, "cp.pem");
        ServerKeyPath = Path.Combine(directory, "cp.key");
        File.WriteAllText(CaPath, Root.ExportCertificatePem());
        File.WriteAllText(ServerCertificatePath, server.ExportCertificatePem() + "\n" + serverIntermediate.ExportCertificatePem());
        File.WriteAllText(ServerKeyPath, server.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem());
    }

    public X509Certificate2 Root { get; }

    public X509Certificate2 ClientIntermediate { get; }

    public X509Certificate2 ClientCertificate { get; }

    public string CaPath { get; }

    public string ServerCertificatePath { get; }

    public string ServerKeyPath { get; }

    public static ControlPlanePki Create(string directory) => new(directory);

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

    private static X509Certificate2 Issue(string subject, X509Certificate2 issuer, string usage, bool serverNames)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(usage)], false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(issuer, true, false));
        if (serverNames)
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
