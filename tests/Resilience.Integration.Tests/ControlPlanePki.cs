using System.Security.Cryptography.X509Certificates;
using Resilience.ControlPlane.Tests;

namespace Resilience.Integration.Tests;

/// <summary>
/// PEM files for the sample control plane: its server leaf comes from an intermediate (root -> CP intermediate -> leaf)
/// and cp.pem holds the leaf followed by the intermediate; nodes trust only the root. Node certificates come from a DP
/// intermediate under the same root, which the control plane trusts. The certificates are <see cref="TestPki"/>'s.
/// </summary>
internal sealed class ControlPlanePki
{
    private ControlPlanePki(string directory)
    {
        Directory.CreateDirectory(directory);
        var pki = TestPki.Create("IT");
        Root = pki.Root;
        ClientIntermediate = pki.Intermediate;
        using var serverIntermediate = pki.CreateIntermediate("IT CP Intermediate");
        using var server = TestPki.IssueFrom(serverIntermediate, "localhost", [TestPki.ServerAuthentication], "localhost");
        ClientCertificate = pki.IssueClient("it-node");
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
}
