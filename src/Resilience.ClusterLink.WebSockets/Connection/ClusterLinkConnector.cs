using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;
using Resilience.ClusterLink.WebSockets.Protocol;

namespace Resilience.ClusterLink.WebSockets;

/// <summary>
/// Connects with <see cref="ClientWebSocket"/> over a <see cref="SocketsHttpHandler"/> whose TLS options carry
/// the client certificate with its intermediates (<see cref="SslStreamCertificateContext"/>: the only way the
/// intermediates reach the server on Linux) and verify the control plane against the configured CA and name.
/// A forward proxy is reached by our own CONNECT tunnel (<see cref="ProxyTunnel"/>) so the proxy's certificate
/// and the control plane's are checked by separate rules. The same rules serve every endpoint;
/// only the name the certificate must carry follows the endpoint (unless <see cref="ClusterLinkOptions.ServerName"/> is set).
/// </summary>
internal sealed class ClusterLinkConnector : IClusterLinkConnector
{
    private readonly ClusterLinkOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly ProxyTunnel _tunnel;

    public ClusterLinkConnector(ClusterLinkOptions options, TimeProvider timeProvider, ILogger logger)
    {
        _options = options;
        _timeProvider = timeProvider;
        _logger = logger;
        _tunnel = new ProxyTunnel(options, timeProvider, logger);
        Route = UsesProxy ? $" via proxy {options.ProxyUri!.Host}:{options.ProxyUri.Port}" : string.Empty;
    }

    public string Route { get; }

    private bool UsesProxy => _options.UseProxy && _options.ProxyUri is not null;

    public async Task<LinkConnection> ConnectAsync(Uri endpoint, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        var serverName = string.IsNullOrWhiteSpace(_options.ServerName) ? endpoint.IdnHost : _options.ServerName!;

        var proxyTrust = UsesProxy && _options.ProxyUri!.Scheme == Uri.UriSchemeHttps && _options.ProxyTlsVerify
            ? LinkCertificates.LoadTrust(_options.ProxyTrustedCaPath, [])
            : null;
        var attempt = new ConnectionAttempt();
        using var timeout = new CancellationTokenSource(_options.ConnectTimeout, _timeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);

        // The transport first, then the certificates: an attempt at a control plane that is down (a restarted node
        // serving its cache) ends at the refused connection, before the certificate files are read and the client
        // certificate's chain is built, which cost more CPU than the rest of the attempt (docs/benchmarks.md).
        Stream? opened = null;
        X509Certificate2? leaf = null;
        ClientWebSocket? socket = null;
        HttpMessageInvoker? invoker = null;
        try
        {
            attempt.BeforeConnection();
            opened = await OpenAsync(new DnsEndPoint(endpoint.IdnHost, endpoint.Port), proxyTrust, attempt, linked.Token).ConfigureAwait(false);

            // Certificates are read on every attempt, so renewed files are picked up by the next reconnect.
            (leaf, var intermediates) = ClientCertificateLoader.Load(_options);
            var serverTrust = LinkCertificates.LoadTrust(_options.TrustedCaPath, _options.TrustedCaCertificates);
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
                // The handler's first connection is the one opened above; a retry opens another.
                if (Interlocked.Exchange(ref opened, null) is { } first)
                {
                    return first;
                }

                attempt.BeforeConnection();
                return await OpenAsync(context.DnsEndPoint, proxyTrust, attempt, ct).ConfigureAwait(false);
            };

            invoker = new HttpMessageInvoker(handler, disposeHandler: true);
            socket = new ClientWebSocket();
            socket.Options.AddSubProtocol(LinkProtocol.SubProtocol);

            // Liveness is the protocol's heartbeat (driven by the injectable clock), not WebSocket pings.
            socket.Options.KeepAliveInterval = TimeSpan.Zero;
            socket.Options.HttpVersion = HttpVersion.Version11;
            socket.Options.HttpVersionPolicy = HttpVersionPolicy.RequestVersionExact;

            // A refused upgrade's status and headers: a busy control plane (503, 429) says when to come back.
            socket.Options.CollectHttpResponseDetails = true;

            await socket.ConnectAsync(endpoint, invoker, linked.Token).ConfigureAwait(false);
            if (socket.SubProtocol != LinkProtocol.SubProtocol)
            {
                throw new InvalidOperationException($"the control plane did not agree on the protocol {LinkProtocol.SubProtocol}");
            }

            return new LinkConnection(socket, invoker);
        }
        catch (Exception ex)
        {
            var status = socket is null ? 0 : (int)socket.HttpStatusCode;
            var headers = socket?.HttpResponseHeaders;
            socket?.Dispose();
            invoker?.Dispose();
            if (ex is WebSocketException && status is StatusCodes.ServiceUnavailable or StatusCodes.TooManyRequests)
            {
                throw new ControlPlaneBusyException(status, ControlPlaneBusyException.ParseRetryAfter(headers, _timeProvider.GetUtcNow()), ex);
            }

            if (ex is OperationCanceledException && timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                throw new TimeoutException($"connecting took longer than {_options.ConnectTimeout}", ex);
            }

            if (attempt.Failure is { } why && ex is not OperationCanceledException)
            {
                // The TLS layer only says "rejected by the callback"; say what was wrong.
                throw new AuthenticationException(why, ex);
            }

            if (leaf is not null && (attempt.ClientCertificateRefused || (attempt.ServerTrusted && EndedWithoutResponse(ex))))
            {
                throw new AuthenticationException(
                    $"the control plane refused this node's client certificate ({leaf.Subject}, issued by {leaf.Issuer}): it closed the connection "
                    + "right after the TLS handshake without answering; check that it pins this certificate or trusts its CA (send the intermediates "
                    + "when it trusts only the root), and its log (event 6000) for why",
                    ex);
            }

            throw;
        }
        finally
        {
            // Opened, but the attempt failed before the handler took it (unreadable certificates, say).
            if (Interlocked.Exchange(ref opened, null) is { } unused)
            {
                await unused.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    private async ValueTask<Stream> OpenAsync(DnsEndPoint target, X509Certificate2Collection? proxyTrust, ConnectionAttempt attempt, CancellationToken cancellationToken)
    {
        if (UsesProxy)
        {
            return await _tunnel.OpenAsync(target, proxyTrust, attempt, cancellationToken).ConfigureAwait(false);
        }

        try
        {
            return await OpenDirectAsync(target, cancellationToken).ConfigureAwait(false);
        }
        catch (SocketException ex)
        {
            // Said as the HTTP handler says it when it connects itself.
            throw new HttpRequestException(HttpRequestError.ConnectionError, $"{ex.Message} ({target.Host}:{target.Port})", ex);
        }
    }

    private static class StatusCodes
    {
        public const int TooManyRequests = 429;
        public const int ServiceUnavailable = 503;
    }

    private bool ValidateServer(X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors, string serverName, X509Certificate2Collection? trust, ConnectionAttempt attempt)
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
}
