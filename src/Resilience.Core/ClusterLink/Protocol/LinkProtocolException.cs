namespace Resilience.ClusterLink.Protocol;

/// <summary>The peer broke the protocol (garbage, oversize message, bad hello); the connection is closed with <see cref="CloseCode"/>.</summary>
internal sealed class LinkProtocolException : Exception
{
    public LinkProtocolException(int closeCode, string reason, string message, Exception? inner = null)
        : base(message, inner)
    {
        CloseCode = closeCode;
        Reason = reason;
    }

    /// <summary>Gets the WebSocket close code to send.</summary>
    public int CloseCode { get; }

    /// <summary>Gets a short tag for metrics: <c>too_big</c>, <c>malformed</c>, <c>unexpected</c>.</summary>
    public string Reason { get; }

    public static LinkProtocolException TooBig(string message) => new(LinkProtocol.CloseCodes.MessageTooBig, "too_big", message);

    public static LinkProtocolException Malformed(string message, Exception? inner = null) => new(LinkProtocol.CloseCodes.ProtocolError, "malformed", message, inner);
}
