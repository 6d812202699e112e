using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Resilience.Samples.Demo;

/// <summary>
/// A throwaway PKI written as PEM files: a root CA that issues the control plane's server certificate
/// (localhost, 127.0.0.1 unless other names are given) and an intermediate CA that issues the data planes' client
/// certificate. The control plane trusts the root (PKI mode), so data planes send their intermediate after the leaf.
/// Key files are readable by their owner only.
/// </summary>
internal sealed record DemoPki(string CaPath, string ServerCertificatePath, string ServerKeyPath, string ClientCertificatePath, string ClientKeyPath)
{
    /// <summary>The names the server certificate carries when none are given.</summary>
    public static readonly IReadOnlyList<string> DefaultServerNames = ["localhost", "127.0.0.1"];

    public static DemoPki Create(string directory, IReadOnlyList<string>? serverNames = null, int validDays = 10)
    {
        Directory.CreateDirectory(directory);
        var names = serverNames is { Count: > 0 } ? serverNames : DefaultServerNames;
        using var root = CreateCa("CN=Resilience Demo Root", issuer: null, validDays + 20);
        using var intermediate = CreateCa("CN=Resilience Demo DP Intermediate", root, validDays + 10);
        using var server = Issue($"CN={names[0]}", root, names, validDays);
        using var client = Issue("CN=gateway", intermediate, serverNames: null, validDays);

        var pki = new DemoPki(
            Path.Combine(directory, "ca.pem"),
            Path.Combine(directory, "cp.pem"),
            Path.Combine(directory, "cp.key"),
            Path.Combine(directory, "dp.pem"),
            Path.Combine(directory, "dp.key"));
        File.WriteAllText(pki.CaPath, root.ExportCertificatePem());
        File.WriteAllText(pki.ServerCertificatePath, server.ExportCertificatePem());
        WriteKey(pki.ServerKeyPath, server.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem());
        File.WriteAllText(pki.ClientCertificatePath, client.ExportCertificatePem() + "\n" + intermediate.ExportCertificatePem());
        WriteKey(pki.ClientKeyPath, client.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem());
        return pki;
    }

    private static void WriteKey(string path, string pem)
    {
        File.WriteAllText(path, pem);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
    }

    private static X509Certificate2 CreateCa(string subject, X509Certificate2? issuer, int validDays)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, issuer is not null, issuer is null ? 1 : 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        var notBefore = DateTimeOffset.UtcNow.AddDays(-1);
        if (issuer is null)
        {
            return request.CreateSelfSigned(notBefore, notBefore.AddDays(validDays));
        }

        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(issuer, true, false));
        using var signed = request.Create(issuer, notBefore, notBefore.AddDays(validDays), RandomNumberGenerator.GetBytes(12));
        return signed.CopyWithPrivateKey(key);
    }

    private static X509Certificate2 Issue(string subject, X509Certificate2 issuer, IReadOnlyList<string>? serverNames, int validDays)
    {
        var serverAuth = serverNames is not null;
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(serverAuth ? "1.3.6.1.5.5.7.3.1" : "1.3.6.1.5.5.7.3.2")], false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(issuer, true, false));
        if (serverNames is not null)
        {
            var names = new SubjectAlternativeNameBuilder();
            foreach (var name in serverNames)
            {
                if (IPAddress.TryParse(name, out var address))
                {
                    names.AddIpAddress(address);
                }
                else
                {
                    names.AddDnsName(name);
                }
            }

            request.CertificateExtensions.Add(names.Build());
        }

        var notBefore = DateTimeOffset.UtcNow.AddDays(-1);
        using var signed = request.Create(issuer, notBefore, notBefore.AddDays(validDays), RandomNumberGenerator.GetBytes(12));
        return signed.CopyWithPrivateKey(key);
    }
}
