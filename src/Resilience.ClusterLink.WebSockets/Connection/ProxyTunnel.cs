using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Microsoft.Extensions.Logging;

namespace Resilience.ClusterLink.WebSockets;

/// <summary>
/// The CONNECT tunnel through a forward proxy: TCP to the proxy, TLS to it for an <c>https://</c> proxy (verified by the
/// proxy rules, <see cref="ClusterLinkOptions.ProxyTlsVerify"/> and <see cref="ClusterLinkOptions.ProxyTrustedCaPath"/>),
/// <c>CONNECT host:port</c> with Basic credentials from the proxy URI, then the stream on which the control plane's
/// own TLS runs (<see cref="TunnelStream"/>).
/// </summary>
internal sealed class ProxyTunnel(ClusterLinkOptions options, TimeProvider timeProvider, ILogger logger)
{
    private const int MaxProxyResponseBytes = 16 * 1024;
    private readonly ClusterLinkOptions _options = options;
    private readonly TimeProvider _timeProvider = timeProvider;
    private readonly ILogger _logger = logger;

    /// <summary>Opens the tunnel to <paramref name="target"/>; a refusal says why (status line, certificate, unreachable proxy).</summary>
    public async ValueTask<Stream> OpenAsync(DnsEndPoint target, X509Certificate2Collection? proxyTrust, ConnectionAttempt attempt, CancellationToken cancellationToken)
    {
        var proxy = _options.ProxyUri!;
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        Stream stream;
        try
        {
            await socket.ConnectAsync(new DnsEndPoint(proxy.IdnHost, proxy.Port), cancellationToken).ConfigureAwait(false);
            stream = new NetworkStream(socket, ownsSocket: true);
        }
        catch (Exception ex) when (ex is SocketException)
        {
            socket.Dispose();
            throw new HttpRequestException($"the proxy {proxy.Host}:{proxy.Port} cannot be reached: {ex.Message}", ex);
        }

        try
        {
            if (proxy.Scheme == Uri.UriSchemeHttps)
            {
                var tls = new SslStream(stream, leaveInnerStreamOpen: false);
                stream = tls;
                await tls.AuthenticateAsClientAsync(
                    new SslClientAuthenticationOptions
                    {
                        TargetHost = proxy.IdnHost,
                        CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
                        RemoteCertificateValidationCallback = (_, certificate, chain, errors) => ValidateProxy(certificate, chain, errors, proxyTrust, attempt),
                    },
                    cancellationToken).ConfigureAwait(false);
            }

            var authority = target.Host.Contains(':', StringComparison.Ordinal) ? $"[{target.Host}]:{target.Port}" : $"{target.Host}:{target.Port}";
            var request = new StringBuilder()
                .Append("CONNECT ").Append(authority).Append(" HTTP/1.1\r\n")
                .Append("Host: ").Append(authority).Append("\r\n");
            if (ProxyCredentials(proxy) is { } credentials)
            {
                request.Append("Proxy-Authorization: Basic ").Append(credentials).Append("\r\n");
            }

            request.Append("\r\n");
            await stream.WriteAsync(Encoding.ASCII.GetBytes(request.ToString()), cancellationToken).ConfigureAwait(false);
            await stream.FlushAsync(cancellationToken).ConfigureAwait(false);

            var statusLine = await ReadProxyResponseAsync(stream, cancellationToken).ConfigureAwait(false);
            var parts = statusLine.Split(' ', 3);
            if (parts.Length < 2 || !parts[0].StartsWith("HTTP/1.", StringComparison.Ordinal) || !int.TryParse(parts[1], out var status))
            {
                throw new HttpRequestException($"the proxy {proxy.Host}:{proxy.Port} answered CONNECT with garbage: '{statusLine}'");
            }

            if (status / 100 != 2)
            {
                var hint = status switch
                {
                    407 => " (it requires credentials: put user:pass in ProxyUri)",
                    401 => " (it refused the credentials in ProxyUri)",
                    403 => " (it forbids tunnels to this host or port)",
                    _ => string.Empty,
                };
                throw new HttpRequestException($"the proxy {proxy.Host}:{proxy.Port} refused the tunnel: {statusLine}{hint}", null, (HttpStatusCode)status);
            }

            return new TunnelStream(stream);
        }
        catch
        {
            await stream.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private bool ValidateProxy(X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors, X509Certificate2Collection? trust, ConnectionAttempt attempt)
    {
        if (!_options.ProxyTlsVerify)
        {
            return true;
        }

        string? why;
        if (certificate is not X509Certificate2 proxyCertificate)
        {
            why = "no certificate was presented";
        }
        else if (trust is null)
        {
            why = errors == SslPolicyErrors.None ? null : $"the system trust store refuses it ({errors})";
        }
        else if (!proxyCertificate.MatchesHostname(_options.ProxyUri!.IdnHost, allowWildcards: true, allowCommonName: false))
        {
            why = $"it is not issued for '{_options.ProxyUri.IdnHost}'";
        }
        else
        {
            why = LinkCertificates.CheckChain(proxyCertificate, trust, chain?.ChainPolicy.ExtraStore.Cast<X509Certificate2>() ?? [], _timeProvider.GetUtcNow());
        }

        if (why is not null)
        {
            attempt.Failure = $"the proxy certificate is not trusted: {why}";
            Log.LinkProxyCertificateRefused(_logger, why);
            return false;
        }

        return true;
    }

    private static string? ProxyCredentials(Uri proxy)
    {
        if (string.IsNullOrEmpty(proxy.UserInfo))
        {
            return null;
        }

        var colon = proxy.UserInfo.IndexOf(':', StringComparison.Ordinal);
        var user = Uri.UnescapeDataString(colon < 0 ? proxy.UserInfo : proxy.UserInfo[..colon]);
        var password = colon < 0 ? string.Empty : Uri.UnescapeDataString(proxy.UserInfo[(colon + 1)..]);
        return Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}"));
    }

    /// <summary>Reads the proxy's response head byte by byte (so no tunnel byte is consumed) and returns its status line.</summary>
    private static async Task<string> ReadProxyResponseAsync(Stream stream, CancellationToken cancellationToken)
    {
        var head = new List<byte>(256);
        var one = new byte[1];
        while (true)
        {
            if (await stream.ReadAsync(one, cancellationToken).ConfigureAwait(false) == 0)
            {
                throw new HttpRequestException("the proxy closed the connection during CONNECT");
            }

            head.Add(one[0]);
            var n = head.Count;
            if (n >= 4 && head[n - 4] == '\r' && head[n - 3] == '\n' && head[n - 2] == '\r' && head[n - 1] == '\n')
            {
                break;
            }

            if (n > MaxProxyResponseBytes)
            {
                throw new HttpRequestException("the proxy's CONNECT response head is too long");
            }
        }

        var text = Encoding.ASCII.GetString(head.ToArray());
        var end = text.IndexOf("\r\n", StringComparison.Ordinal);
        return text[..end];
    }
}
