namespace Resilience;

/// <summary>The pipeline step a rejected configuration failed. Also the <c>reason</c> tag on rejection metrics.</summary>
public enum RejectionReason
{
    /// <summary>Not rejected.</summary>
    None = 0,

    /// <summary>Raw or decompressed content exceeds the configured limits.</summary>
    TooLarge = 1,

    /// <summary>Gzip content is damaged.</summary>
    BadCompression = 2,

    /// <summary>The YAML cannot be parsed or converted.</summary>
    InvalidYaml = 3,

    /// <summary>The content is not well-formed UTF-8 JSON.</summary>
    InvalidJson = 4,

    /// <summary>The hash the sender claimed does not match the content.</summary>
    HashMismatch = 5,

    /// <summary>The host's validator refused it.</summary>
    ValidatorRejected = 6,

    /// <summary>The host's validator threw.</summary>
    ValidatorFailed = 7,

    /// <summary>A signature check refused it.</summary>
    SignatureInvalid = 8,

    /// <summary>A pipeline step failed unexpectedly (out of memory, a bug, a cache or signing failure); the message names the exception.</summary>
    PipelineFailed = 9,

    /// <summary>
    /// This node rolled back (or reverted by itself) from this configuration; it refuses it until the control plane or an
    /// operator applies another one (<see cref="DataPlaneState.Rollback"/>).
    /// </summary>
    RolledBack = 10,

    /// <summary>A rollback named a configuration this node's history does not hold, holds damaged, or history is off.</summary>
    NotInHistory = 11,
}
