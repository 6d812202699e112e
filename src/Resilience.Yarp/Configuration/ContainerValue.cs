namespace Resilience.Yarp;

/// <summary>What stands where YARP's shape has an object or a list (<see cref="JsonValues.Container"/>).</summary>
internal enum ContainerValue
{
    /// <summary>An object or a list to read: the reader is on its start.</summary>
    Open,

    /// <summary>None: <c>null</c>, or <c>{}</c> (which the binder stores as null).</summary>
    Absent,

    /// <summary>Present and empty: <c>[]</c> (which the binder stores as an empty string: the section exists).</summary>
    Empty,
}
