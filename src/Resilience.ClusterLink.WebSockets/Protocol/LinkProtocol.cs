namespace Resilience.ClusterLink.WebSockets.Protocol;

/// <summary>
/// Constants of the link protocol (docs/protocol.md). The major version is <see cref="Version"/> and names the WebSocket
/// sub-protocol (<see cref="SubProtocol"/>): a peer that does not offer the same one is refused at the upgrade. Within a
/// major version, fields and message types may only be added; receivers ignore unknown fields and unknown message types.
/// A change that an older peer would misread is a new major version with a new sub-protocol name.
/// </summary>
public static class LinkProtocol
{
    /// <summary>The major version of the protocol this package speaks, sent in <c>hello</c> and <c>welcome</c>.</summary>
    public const int Version = 1;

    /// <summary>The WebSocket sub-protocol of major version <see cref="Version"/>.</summary>
    public const string SubProtocol = "resilience.link.v1";

    /// <summary>Binary messages start with a 4-byte big-endian header length; the header is capped so a peer cannot claim gigabytes.</summary>
    public const int MaxHeaderBytes = 64 * 1024;

    /// <summary>Text messages (control) are small; anything bigger is garbage.</summary>
    public const int MaxControlMessageBytes = 1024 * 1024;

    /// <summary>The message types (<see cref="LinkMessage.Type"/>).</summary>
    public static class Types
    {
        /// <summary>DP -> CP, text: the first message on every connection (<see cref="HelloMessage"/>).</summary>
        public const string Hello = "hello";

        /// <summary>CP -> DP, text: the answer to hello (<see cref="WelcomeMessage"/>).</summary>
        public const string Welcome = "welcome";

        /// <summary>DP -> CP, text: every heartbeat interval (<see cref="HeartbeatMessage"/>).</summary>
        public const string Heartbeat = "heartbeat";

        /// <summary>CP -> DP, text: the answer to every heartbeat (<see cref="HeartbeatMessage"/>).</summary>
        public const string HeartbeatAck = "heartbeat_ack";

        /// <summary>CP -> DP, binary: the latest published configuration (<see cref="BinaryHeader"/> + the JSON).</summary>
        public const string Config = "config";

        /// <summary>DP -> CP, text: what a pushed configuration came to (<see cref="ApplyResultMessage"/>).</summary>
        public const string ApplyResult = "apply_result";

        /// <summary>DP -> CP, binary: a batch of usage records (<see cref="BinaryHeader"/> + <see cref="TelemetryBatch"/>).</summary>
        public const string Telemetry = "telemetry";

        /// <summary>CP -> DP, text: the licence (<see cref="LicenseMessage"/>).</summary>
        public const string License = "license";

        /// <summary>
        /// CP -> DP, binary, only to a node that announced <see cref="Capabilities.Delta"/>: the latest configuration as an
        /// RFC 6902 patch of the one the node serves (<see cref="BinaryHeader.BaseHash"/>, <see cref="BinaryHeader.TargetSize"/>).
        /// </summary>
        public const string ConfigDelta = "config_delta";

        /// <summary>DP -> CP, text: a node that could not use a <see cref="ConfigDelta"/> asks for the whole configuration (<see cref="ConfigRequestMessage"/>).</summary>
        public const string ConfigRequest = "config_request";

        /// <summary>
        /// CP -> DP, text: serve a configuration of the node's history again (<see cref="RollbackMessage"/>). Sent only to a
        /// node whose hello announced <see cref="Capabilities.History"/>; it answers with an <see cref="ApplyResult"/>.
        /// </summary>
        public const string Rollback = "rollback";
    }

    /// <summary>What a node can do beyond the base protocol, announced in <see cref="HelloMessage.Capabilities"/>.</summary>
    public static class Capabilities
    {
        /// <summary>The node applies <see cref="Types.ConfigDelta"/> messages and asks with <see cref="Types.ConfigRequest"/> when one does not apply.</summary>
        public const string Delta = "delta";

        /// <summary>The node keeps a configuration history: it executes <see cref="Types.Rollback"/> and reports <see cref="Outcomes.RolledBack"/> and <see cref="Outcomes.Reverted"/>.</summary>
        public const string History = "history";
    }

    /// <summary>Where the bake of the served configuration stands (<see cref="HeartbeatHealth.Bake"/>).</summary>
    public static class BakeStates
    {
        /// <summary>Not baked (the bake is off, or the configuration did not come from the control plane).</summary>
        public const string None = "none";

        /// <summary>Within the bake window.</summary>
        public const string Baking = "baking";

        /// <summary>The window ended with enough traffic and every signal healthy.</summary>
        public const string Passed = "passed";

        /// <summary>The window ended with too little traffic to judge; the configuration is kept.</summary>
        public const string Undecided = "undecided";

        /// <summary>A signal failed and the node went back (<see cref="HeartbeatHealth.BakeHash"/> is the configuration reverted).</summary>
        public const string Reverted = "reverted";

        /// <summary>A signal failed but the node could not go back (nothing before it, the revert was refused, or it reverted this hash once); it keeps serving it.</summary>
        public const string Failed = "failed";
    }

    /// <summary>Why a node asks for the whole configuration (<see cref="ConfigRequestMessage.Reason"/>).</summary>
    public static class ConfigRequestReasons
    {
        /// <summary>The delta's base is not the configuration the node serves.</summary>
        public const string BaseMismatch = "base_mismatch";

        /// <summary>The patch does not apply (malformed, a pointer that names nothing, over its budget, not the announced size).</summary>
        public const string PatchFailed = "patch_failed";

        /// <summary>The patched document does not hash to the delta's target.</summary>
        public const string HashMismatch = "hash_mismatch";

        /// <summary>The patch or the document it makes is over the node's size limits.</summary>
        public const string TooLarge = "too_large";

        /// <summary>The patch is not valid gzip or has an unknown encoding.</summary>
        public const string BadCompression = "bad_compression";
    }

    /// <summary>Payload encodings (<see cref="BinaryHeader.Encoding"/>).</summary>
    public static class Encodings
    {
        /// <summary>The payload is gzip-compressed.</summary>
        public const string Gzip = "gzip";

        /// <summary>The payload is sent as is.</summary>
        public const string Identity = "identity";
    }

    /// <summary>What a pushed configuration came to (<see cref="ApplyResultMessage.Outcome"/>).</summary>
    public static class Outcomes
    {
        /// <summary>It is served now.</summary>
        public const string Applied = "applied";

        /// <summary>It was already served.</summary>
        public const string Unchanged = "unchanged";

        /// <summary>A newer configuration replaced it before it was applied.</summary>
        public const string Superseded = "superseded";

        /// <summary>A pipeline step refused it; the node serves what it served before.</summary>
        public const string Rejected = "rejected";

        /// <summary>
        /// The node went back from <see cref="ApplyResultMessage.Hash"/> to <see cref="ApplyResultMessage.ConfigHash"/> because
        /// an operator or the control plane asked (<see cref="ApplyResultMessage.Actor"/>); it refuses that hash until it gets another configuration.
        /// </summary>
        public const string RolledBack = "rolled_back";

        /// <summary>The node's bake of <see cref="ApplyResultMessage.Hash"/> failed and it went back to <see cref="ApplyResultMessage.ConfigHash"/> by itself.</summary>
        public const string Reverted = "reverted";
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
