namespace Resilience.ControlPlane;

/// <summary>A connected node as wave selection sees it: its id and the labels of its hello.</summary>
internal readonly record struct FleetNode(string NodeId, IReadOnlyDictionary<string, string> Labels);
