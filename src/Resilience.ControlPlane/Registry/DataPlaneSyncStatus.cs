namespace Resilience.ControlPlane;

/// <summary>How a data plane's configuration compares with the latest published one.</summary>
public enum DataPlaneSyncStatus
{
    /// <summary>Nothing is published yet, or the data plane reported no configuration.</summary>
    Unknown = 0,

    /// <summary>It serves the latest published configuration.</summary>
    InSync = 1,

    /// <summary>It serves an older (or another) configuration; the latest is on its way.</summary>
    OutOfSync = 2,

    /// <summary>It rejected the latest configuration (see <see cref="DataPlaneInfo.LastApplyError"/>) and serves another.</summary>
    Rejected = 3,

    /// <summary>It was rolled back from the latest configuration (<see cref="DataPlaneInfo.LastRollback"/>) and serves another; the latest is not pushed to it again.</summary>
    RolledBack = 4,

    /// <summary>Its bake of the latest configuration failed and it went back by itself (<see cref="DataPlaneInfo.LastRollback"/>); the latest is not pushed to it again.</summary>
    Reverted = 5,
}
