namespace Resilience.ClusterLink.Protocol;

/// <summary>
/// Constants of the link protocol (docs/protocol.md). The major version is the WebSocket
/// sub-protocol name: a peer that does not offer the same one is refused at the upgrade.
/// Within a major version, fields and message types may only be added; receivers ignore
/// unknown fields and unknown message types.
/// </summary>
internal static class LinkProtocol
{
    /// <summary>The WebSocket sub-protocol of major version 1.</summary>
    public const string SubProtocol = "resilience.link.v1";

    /// <summary>The protocol version sent in hello.</summary>
    public const int Version = 1;

    /// <summary>Binary messages start with a 4-byte big-endian header length; the header is capped so a peer cannot claim gigabytes.</summary>
    public const int MaxHeaderBytes = 64 * 1024;

    /// <summary>Text messages (control) are small; anything bigger is garbage.</summary>
    public const int MaxControlMessageBytes = 1024 * 1024;

    public static class Types
    {
        public const string Hello = "hello";
        public const string Welcome = "welcome";
        public const string Heartbeat = "heartbeat";
        public const string HeartbeatAck = "heartbeat_ack";
        public const string Config = "config";
        public const string ApplyResult = "apply_result";
        public const string Telemetry = "telemetry";
        public const string License = "license";
    }

    public static class Encodings
    {
        public const string Gzip = "gzip";
        public const string Identity = "identity";
    }

    public static class Outcomes
    {
        public const string Applied = "applied";
        public const string Unchanged = "unchanged";
        public const string Superseded = "superseded";
        public const string Rejected = "rejected";
    }

    /// <summary>Close codes the peers use (RFC 6455 plus the private range 4000-4999).</summary>
    public static class CloseCodes
    {
        /// <summary>The peer sent something that is not a valid message of this protocol.</summary>
        public const int ProtocolError = 1002;

        /// <summary>A message exceeded the receiver's limit.</summary>
        public const int MessageTooBig = 1009;

        /// <summary>Nothing arrived within the heartbeat timeout.</summary>
        public const int HeartbeatTimeout = 4000;

        /// <summary>A newer connection of the same node replaced this one.</summary>
        public const int Replaced = 4001;

        /// <summary>The peer did not say hello in time or its hello was invalid.</summary>
        public const int BadHello = 4002;
    }
}
