using System.Security.Cryptography.X509Certificates;

namespace Resilience.ClusterLink.WebSockets;

/// <summary>Reads this node's client certificate, with the intermediates it sends, from <see cref="ClusterLinkOptions"/>.</summary>
internal static class ClientCertificateLoader
{
    /// <summary>Loads the client certificate with its key, and the intermediates to send with it.</summary>
    public static (X509Certificate2 Leaf, X509Certificate2Collection Intermediates) Load(ClusterLinkOptions options)
    {
        var intermediates = new X509Certificate2Collection();
        X509Certificate2 leaf;
        if (options.ClientCertificate is { } given)
        {
            leaf = given;
            intermediates.AddRange(options.ClientIntermediates);
        }
        else
        {
            var path = options.ClientCertificatePath ?? throw new InvalidOperationException("no client certificate is configured");
            var extension = Path.GetExtension(path);
            if (extension.Equals(".pfx", StringComparison.OrdinalIgnoreCase) || extension.Equals(".p12", StringComparison.OrdinalIgnoreCase))
            {
#if NET9_0_OR_GREATER
                var all = X509CertificateLoader.LoadPkcs12CollectionFromFile(path, options.ClientCertificatePassword);
#else
                var all = new X509Certificate2Collection();
                all.Import(path, options.ClientCertificatePassword, X509KeyStorageFlags.DefaultKeySet);
#endif
                leaf = all.FirstOrDefault(c => c.HasPrivateKey) ?? throw new InvalidOperationException($"'{path}' holds no certificate with a private key");
                intermediates.AddRange(all.Where(c => !ReferenceEquals(c, leaf) && !LinkCertificates.IsSelfSigned(c)).ToArray());
            }
            else
            {
                var keyPath = options.ClientKeyPath ?? path;
                leaf = string.IsNullOrEmpty(options.ClientCertificatePassword)
                    ? X509Certificate2.CreateFromPemFile(path, keyPath)
                    : X509Certificate2.CreateFromEncryptedPemFile(path, options.ClientCertificatePassword, keyPath);

                // Certificates after the first one in the same PEM file are its chain.
                var bundle = LinkCertificates.LoadBundle(path);
                intermediates.AddRange(bundle.Skip(1).Where(c => !LinkCertificates.IsSelfSigned(c)).ToArray());
            }
        }

        if (!string.IsNullOrWhiteSpace(options.ClientIntermediatesPath))
        {
            intermediates.AddRange(LinkCertificates.LoadBundle(options.ClientIntermediatesPath));
        }

        if (!leaf.HasPrivateKey)
        {
            throw new InvalidOperationException("the client certificate has no private key");
        }

        // The TLS layer releases the intermediates of a certificate context when the connection goes;
        // hand it copies so the configured instances stay usable for the next reconnect.
        var copies = new X509Certificate2Collection();
        foreach (var intermediate in intermediates)
        {
            copies.Add(LinkCertificates.Copy(intermediate));
        }

        return (leaf, copies);
    }
}
