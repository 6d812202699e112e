namespace Resilience;

/// <summary>
/// A file this node wants to keep on its local disk but cannot write (a read-only or unwritable data directory, a full
/// disk): what is served is unaffected, but a restart would not find what was not written.
/// </summary>
/// <param name="Name">What the file is for: <see cref="LocalWriteStatus.Cache"/>, <see cref="LocalWriteStatus.NodeId"/>, <see cref="LocalWriteStatus.License"/>, or another component's name.</param>
/// <param name="Path">Where it would be written.</param>
/// <param name="Reason">Why it is not written (the operating system's message), and what that means for a restart.</param>
/// <param name="Since">When the first write of the current run failed.</param>
public sealed record UnwrittenFile(string Name, string Path, string Reason, DateTimeOffset Since);
