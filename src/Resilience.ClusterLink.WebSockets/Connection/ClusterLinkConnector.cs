using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Microsoft.Extensions.Logging;
using Resilience.ClusterLink.WebSockets.Protocol;

namespace Resilience.ClusterLink.WebSockets;

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

    /// <summary>Connects to one endpoint: TCP (through the proxy, when configured), mutual TLS, WebSocket upgrade.</summary>
    /// <exception cref="Exception">Any failure; its message becomes the link's last error.</exception>
    Task<LinkConnection> ConnectAsync(Uri endpoint, CancellationToken cancellationToken);
}

/// <summary>
/// Connects with <see cref="ClientWebSocket"/> over a <see cref="SocketsHttpHandler"/> whose TLS options carry
/// the client certificate with its intermediates (<see cref="SslStreamCertificateContext"/>: the only way the
/// intermediates reach the server on Linux) and verify the control plane against the configured CA and name.
/// A forward proxy is reached by our own CONNECT tunnel (Basic credentials, optional TLS to the proxy) so the
/// proxy's certificate and the control plane's are checked by separate rules. The same rules serve every endpoint;
/// only the name the certificate must carry follows the endpoint (unless <see cref="ClusterLinkOptions.ServerName"/> is set).
/// </summary>
internal sealed class ClusterLinkConnector : IClusterLinkConnector
{
    private const int MaxProxyResponseBytes = 16 * 1024;
    private readonly ClusterLinkOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;

    public ClusterLinkConnector(ClusterLinkOptions options, TimeProvider timeProvider, ILogger logger)
    {
        _options = options;
        _timeProvider = timeProvider;
        _logger = logger;
        Route = UsesProxy ? $" via proxy {options.ProxyUri!.Host}:{options.ProxyUri.Port}" : string.Empty;
    }

    public string Route { get; }

    private bool UsesProxy => _options.UseProxy && _options.ProxyUri is not null;

    public async Task<LinkConnection> ConnectAsync(Uri endpoint, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        var serverName = string.IsNullOrWhiteSpace(_options.ServerName) ? endpoint.IdnHost : _options.ServerName!;

        // Certificates are read on every attempt, so renewed files are picked up by the next reconnect.
        var (leaf, intermediates) = ClientCertificateLoader.Load(_options);
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
                TargetHost = serverName,
                ClientCertificateContext = SslStreamCertificateContext.Create(leaf, intermediates, offline: true),
                RemoteCertificateValidationCallback = (_, certificate, chain, errors) => ValidateServer(certificate, chain, errors, serverName, serverTrust, attempt),
                CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
            },
        };
        handler.ConnectCallback = async (context, ct) =>
        {
            attempt.BeforeConnection();
            return UsesProxy
                ? await OpenTunnelAsync(context.DnsEndPoint, proxyTrust, attempt, ct).ConfigureAwait(false)
                : await OpenDirectAsync(context.DnsEndPoint, ct).ConfigureAwait(false);
        };

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
            await socket.ConnectAsync(endpoint, invoker, linked.Token).ConfigureAwait(false);
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

            if (attempt.ClientCertificateRefused || (attempt.ServerTrusted && EndedWithoutResponse(ex)))
            {
                throw new AuthenticationException(
                    $"the control plane refused this node's client certificate ({leaf.Subject}, issued by {leaf.Issuer}): it closed the connection "
                    + "right after the TLS handshake without answering; check that it pins this certificate or trusts its CA (send the intermediates "
                    + "when it trusts only the root), and its log (event 6000) for why",
                    ex);
            }

            throw;
        }
    }

    private bool ValidateServer(X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors, string serverName, X509Certificate2Collection? trust, AttemptState attempt)
    {
        var why = CheckServer(certificate, chain, errors, serverName, trust);
        if (why is not null)
        {
            attempt.Failure = $"the control plane certificate is not trusted: {why}";
            Log.LinkServerCertificateRefused(_logger, why);
            return false;
        }

        attempt.ServerTrusted = true;
        return true;
    }

    /// <summary>
    /// Whether the request ended before any response: after a TLS handshake with a trusted control plane that
    /// is how a control plane refusing the client certificate looks in TLS 1.3 (its verdict comes after the
    /// client's handshake is done, as a closed connection).
    /// </summary>
    private static bool EndedWithoutResponse(Exception ex)
    {
        for (var e = ex; e is not null; e = e.InnerException)
        {
            if (e is HttpIOException { HttpRequestError: HttpRequestError.ResponseEnded } or HttpRequestException { HttpRequestError: HttpRequestError.ResponseEnded })
            {
                return true;
            }
        }

        return false;
    }

    private static async ValueTask<Stream> OpenDirectAsync(DnsEndPoint target, CancellationToken cancellationToken)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(target, cancellationToken).ConfigureAwait(false);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private string? CheckServer(X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors, string serverName, X509Certificate2Collection? trust)
    {
        if (certificate is not X509Certificate2 server)
        {
            return "no certificate was presented";
        }

        if (!server.MatchesHostname(serverName, allowWildcards: true, allowCommonName: false))
        {
            return $"it is not issued for '{serverName}' (subject {server.Subject})";
        }

        if (LinkCertificates.CheckUsage(server, LinkCertificates.ServerAuthentication, "server authentication") is { } usage)
        {
            return usage;
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

    /// <summary>What the certificate callbacks and connections of one attempt found, for the error message.</summary>
    private sealed class AttemptState
    {
        private int _connections;

        public string? Failure { get; set; }

        /// <summary>Gets or sets a value indicating whether a TLS handshake of this attempt accepted the control plane's certificate.</summary>
        public bool ServerTrusted { get; set; }

        /// <summary>Gets a value indicating whether the control plane closed a trusted connection without answering (its refusal of our certificate).</summary>
        public bool ClientCertificateRefused { get; private set; }

        /// <summary>
        /// Called before each connection of the attempt. The HTTP handler retries a request whose new connection
        /// ended before any response; after a trusted handshake that is the control plane refusing our certificate,
        /// and a retry would only be refused again (and logged again by the control plane), so it stops here.
        /// </summary>
        public void BeforeConnection()
        {
            if (Interlocked.Increment(ref _connections) > 1 && ServerTrusted)
            {
                ClientCertificateRefused = true;
                throw new HttpRequestException(HttpRequestError.ConnectionError, "the control plane closed the connection after the TLS handshake without answering");
            }
        }
    }
}
