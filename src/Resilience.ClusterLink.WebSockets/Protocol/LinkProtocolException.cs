namespace Resilience.ClusterLink.WebSockets.Protocol;

/// <summary>The peer broke the protocol (garbage, oversize message, bad hello); the connection is closed with <see cref="CloseCode"/>.</summary>
public sealed class LinkProtocolException : Exception
{
    /// <summary>Initializes a new instance of the <see cref="LinkProtocolException"/> class.</summary>
    /// <param name="closeCode">The WebSocket close code to send (<see cref="LinkProtocol.CloseCodes"/>).</param>
    /// <param name="reason">A short tag for metrics and the close reason.</param>
    /// <param name="message">What was wrong.</param>
    /// <param name="inner">The error that revealed it, if any.</param>
    public LinkProtocolException(int closeCode, string reason, string message, Exception? inner = null)
        : base(message, inner)
    {
        CloseCode = closeCode;
        Reason = reason;
    }

    /// <summary>Gets the WebSocket close code to send.</summary>
    public int CloseCode { get; }

    /// <summary>Gets a short tag for metrics: <c>too_big</c>, <c>malformed</c>, <c>bad_hello</c>.</summary>
    public string Reason { get; }

    /// <summary>Creates the error for a message over a limit (close code 1009, <c>too_big</c>).</summary>
    /// <param name="message">What was too big.</param>
    /// <returns>The error.</returns>
    public static LinkProtocolException TooBig(string message) => new(LinkProtocol.CloseCodes.MessageTooBig, "too_big", message);

    /// <summary>Creates the error for a message that is not valid in this protocol (close code 1002, <c>malformed</c>).</summary>
    /// <param name="message">What was wrong.</param>
    /// <param name="inner">The error that revealed it, if any.</param>
    /// <returns>The error.</returns>
    public static LinkProtocolException Malformed(string message, Exception? inner = null) => new(LinkProtocol.CloseCodes.ProtocolError, "malformed", message, inner);
}
