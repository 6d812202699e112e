using System.Security.Cryptography.X509Certificates;

namespace Resilience.ControlPlane.Tests;

/// <summary>One PKI for the tests that are not about certificates: the CP trusts the DP root, the DP sends its intermediate.</summary>
internal static class Pki
{
    public static readonly TestPki Server = TestPki.Create("Link CP");
    public static readonly TestPki Client = TestPki.Create("Link DP");
    public static readonly X509Certificate2 ServerCertificate = Server.IssueServer("localhost");
    public static readonly X509Certificate2 ClientCertificate = Client.IssueClient("dp");

    public static void Hub(DataPlaneHubOptions o)
    {
        o.AuthenticationMode = DataPlaneAuthenticationMode.Pki;
        o.TrustedCaCertificates.Add(Client.Root);
    }

    public static Action<ClusterLinkOptions> Link(Uri endpoint) => o =>
    {
        o.Endpoint = endpoint;
        o.ClientCertificate = ClientCertificate;
        o.ClientIntermediates.Add(Client.Intermediate);
        o.TrustedCaCertificates.Add(Server.Root);
    };

    public static ClusterLinkOptions LinkOptions(Uri endpoint)
    {
        var options = new ClusterLinkOptions();
        Link(endpoint)(options);
        return options;
    }
}
