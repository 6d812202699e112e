namespace Resilience.Samples.Demo;

/// <summary>
/// <c>Demo pki DIR</c>: writes the demo's PKI to a folder for development with the samples or your own gateway,
/// and prints the settings that use it. Not for production: docs/certificates.md says what a production PKI needs.
/// </summary>
internal static class PkiCommand
{
    public const string Usage = """
        usage: Demo pki DIR [--name NAME]... [--days N] [--force]
          DIR      the folder to write ca.pem, cp.pem, cp.key, dp.pem, dp.key to (created if needed)
          --name   a DNS name or IP address of the control plane's certificate (repeat; default: localhost, 127.0.0.1)
          --days   how long the certificates are valid (default 90; the CAs 20 and 10 days longer)
          --force  replace a PKI already in DIR
        """;

    public static int Run(string[] args)
    {
        string? directory = null;
        var names = new List<string>();
        var days = 90;
        var force = false;
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--name" when i + 1 < args.Length:
                    names.Add(args[++i]);
                    break;
                case "--days" when i + 1 < args.Length && int.TryParse(args[i + 1], out var parsed) && parsed is > 0 and <= 3650:
                    days = parsed;
                    i++;
                    break;
                case "--force":
                    force = true;
                    break;
                case var value when directory is null && !value.StartsWith("--", StringComparison.Ordinal):
                    directory = Path.GetFullPath(value);
                    break;
                default:
                    Console.Error.WriteLine(Usage);
                    return 2;
            }
        }

        if (directory is null)
        {
            Console.Error.WriteLine(Usage);
            return 2;
        }

        if (!force && File.Exists(Path.Combine(directory, "ca.pem")))
        {
            Console.Error.WriteLine($"pki: {directory} already holds a PKI (ca.pem); certificates issued from it would stop working. Pass --force to replace it.");
            return 1;
        }

        var pki = DemoPki.Create(directory, names, days);
        var serverNames = names.Count > 0 ? names : DemoPki.DefaultServerNames;
        Console.WriteLine($"""
            Development PKI in {directory} (valid {days} days; not for production, see docs/certificates.md):
              ca.pem         the root CA: the control plane trusts node certificates that chain to it (PKI mode),
                             and nodes trust the control plane's certificate through it
              cp.pem cp.key  the control plane's server certificate (server authentication; {string.Join(", ", serverNames)})
              dp.pem dp.key  a node's client certificate (client authentication) followed by its intermediate CA

            Control plane (samples/ControlPlane, PKI mode):
              dotnet run --project samples/ControlPlane -c Release -- --pki {directory}

            Gateway settings (Resilience:ClusterLink):
              "Endpoint": "wss://{serverNames[0]}:8005/v1/outlet",
              "ClientCertificatePath": "{pki.ClientCertificatePath}",
              "ClientKeyPath": "{pki.ClientKeyPath}",
              "TrustedCaPath": "{pki.CaPath}"
            """);
        return 0;
    }
}
