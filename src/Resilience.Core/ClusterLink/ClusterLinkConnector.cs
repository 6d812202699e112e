using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Microsoft.Extensions.Logging;
using Resilience.ClusterLink.Protocol;

namespace Resilience;

/// <summary>An open connection to the control plane and what must be disposed with it.</summary>
internal sealed class LinkConnection(WebSocket socket, IDisposable? owner = null) : IDisposable
{
    public WebSocket Socket { get; } = socket;

    public void Dispose()
    {
        Socket.Dispose();
        owner?.Dispose();
    }
}

/// <summary>Opens one connection to the control plane (replaced in tests).</summary>
internal interface IClusterLinkConnector
{
    /// <summary>Gets how the link reaches the control plane, for logs (empty, or " via proxy host:port").</summary>
    string Route { get; }

    /// <summary>Connects: TCP (through the proxy, when configured), mutual TLS, WebSocket upgrade.</summary>
    /// <exception cref="Exception">Any failure; its message becomes the link's last error.</exception>
    Task<LinkConnection> ConnectAsync(CancellationToken cancellationToken);
}

/// <summary>
/// Connects with <see cref="ClientWebSocket"/> over a <see cref="SocketsHttpHandler"/> whose TLS options carry
/// the client certificate with its intermediates (<see cref="SslStreamCertificateContext"/>: the only way the
/// intermediates reach the server on Linux) and verify the control plane against the configured CA and name.
/// A forward proxy is reached by our own CONNECT tunnel (Basic credentials, optional TLS to the proxy) so the
/// proxy's certificate and the control plane's are checked by separate rules.
/// </summary>
internal sealed class ClusterLinkConnector : IClusterLinkConnector
{
    private const int MaxProxyResponseBytes = 16 * 1024;
    private readonly ClusterLinkOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly Uri _endpoint;
    private readonly string _serverName;

    public ClusterLinkConnector(ClusterLinkOptions options, TimeProvider timeProvider, ILogger logger)
    {
        _options = options;
        _timeProvider = timeProvider;
        _logger = logger;
        _endpoint = options.Endpoint ?? throw new InvalidOperationException("ClusterLink:Endpoint is not set");
        _serverName = string.IsNullOrWhiteSpace(options.ServerName) ? _endpoint.IdnHost : options.ServerName!;
        Route = UsesProxy ? $" via proxy {options.ProxyUri!.Host}:{options.ProxyUri.Port}" : string.Empty;
    }

    public string Route { get; }

    private bool UsesProxy => _options.UseProxy && _options.ProxyUri is not null;

    public async Task<LinkConnection> ConnectAsync(CancellationToken cancellationToken)
    {
        // Certificates are read on every attempt, so renewed files are picked up by the next reconnect.
        var (leaf, intermediates) = LinkCertificates.LoadClientCertificate(_options);
        var serverTrust = LinkCertificates.LoadTrust(_options.TrustedCaPath, _options.TrustedCaCertificates);
        var proxyTrust = UsesProxy && _options.ProxyUri!.Scheme == Uri.UriSchemeHttps && _options.ProxyTlsVerify
            ? LinkCertificates.LoadTrust(_options.ProxyTrustedCaPath, [])
            : null;

        var attempt = new AttemptState();
        var handler = new SocketsHttpHandler
        {
            UseProxy = false,
            UseCookies = false,
            AllowAutoRedirect = false,
            ConnectTimeout = _options.ConnectTimeout,
            PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
            SslOptions = new SslClientAuthenticationOptions
            {
                TargetHost = _serverName,
                ClientCertificateContext = SslStreamCertificateContext.Create(leaf, intermediates, offline: true),
                RemoteCertificateValidationCallback = (_, certificate, chain, errors) => ValidateServer(certificate, chain, errors, serverTrust, attempt),
                CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
            },
        };
        if (UsesProxy)
        {
            handler.ConnectCallback = (context, ct) => OpenTunnelAsync(context.DnsEndPoint, proxyTrust, attempt, ct);
        }

        var invoker = new HttpMessageInvoker(handler, disposeHandler: true);
        var socket = new ClientWebSocket();
        socket.Options.AddSubProtocol(LinkProtocol.SubProtocol);

        // Liveness is the protocol's heartbeat (driven by the injectable clock), not WebSocket pings.
        socket.Options.KeepAliveInterval = TimeSpan.Zero;
        socket.Options.HttpVersion = HttpVersion.Version11;
        socket.Options.HttpVersionPolicy = HttpVersionPolicy.RequestVersionExact;

        using var timeout = new CancellationTokenSource(_options.ConnectTimeout, _timeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        try
        {
            await socket.ConnectAsync(_endpoint, invoker, linked.Token).ConfigureAwait(false);
            if (socket.SubProtocol != LinkProtocol.SubProtocol)
            {
                throw new InvalidOperationException($"the control plane did not agree on the protocol {LinkProtocol.SubProtocol}");
            }

            return new LinkConnection(socket, invoker);
        }
        catch (Exception ex)
        {
            socket.Dispose();
            invoker.Dispose();
            if (ex is OperationCanceledException && timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                throw new TimeoutException($"connecting took longer than {_options.ConnectTimeout}", ex);
            }

            if (attempt.Failure is { } why && ex is not OperationCanceledException)
            {
                // The TLS layer only says "rejected by the callback"; say what was wrong.
                throw new AuthenticationException(why, ex);
            }

            throw;
        }
    }

    private bool ValidateServer(X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors, X509Certificate2Collection? trust, AttemptState attempt)
    {
        var why = CheckServer(certificate, chain, errors, trust);
        if (why is not null)
        {
            attempt.Failure = $"the control plane certificate is not trusted: {why}";
            Log.LinkServerCertificateRefused(_logger, why);
            return false;
        }

        return true;
    }

    private string? CheckServer(X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors, X509Certificate2Collection? trust)
    {
        if (certificate is not X509Certificate2 server)
        {
            return "no certificate was presented";
        }

        if (!server.MatchesHostname(_serverName, allowWildcards: true, allowCommonName: false))
        {
            return $"it is not issued for '{_serverName}' (subject {server.Subject})";
        }

        if (trust is null)
        {
            var chainErrors = errors & ~SslPolicyErrors.RemoteCertificateNameMismatch;
            return chainErrors == SslPolicyErrors.None ? null : $"the system trust store refuses it ({chainErrors})";
        }

        var presented = chain?.ChainPolicy.ExtraStore.Cast<X509Certificate2>() ?? [];
        return LinkCertificates.CheckChain(server, trust, presented, _timeProvider.GetUtcNow());
    }

    private async ValueTask<Stream> OpenTunnelAsync(DnsEndPoint target, X509Certificate2Collection? proxyTrust, AttemptState attempt, CancellationToken cancellationToken)
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

    private bool ValidateProxy(X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors, X509Certificate2Collection? trust, AttemptState attempt)
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

    /// <summary>What the certificate callbacks of one attempt found, for the error message.</summary>
    private sealed class AttemptState
    {
        public string? Failure { get; set; }
    }
}
