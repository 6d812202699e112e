using Resilience.ControlPlane;

namespace Resilience.Samples.ControlPlane;

/// <summary>Reads the optional rollout plan file: bound as configuration is (so times are <c>hh:mm:ss</c> and names are case-insensitive).</summary>
internal static class RolloutPlanFile
{
    /// <returns>The plan, or <see langword="null"/> when the file does not exist (publish to every node at once).</returns>
    /// <exception cref="InvalidDataException">The file exists but is not a usable plan.</exception>
    public static RolloutPlan? Read(string path)
    {
        if (!File.Exists(path))
        {
            return null;
        }

        var plan = new RolloutPlan();
        try
        {
            using var stream = File.OpenRead(path);
            new ConfigurationBuilder().AddJsonStream(stream).Build().Bind(plan);
        }
        catch (Exception ex) when (ex is FormatException or InvalidOperationException or IOException)
        {
            throw new InvalidDataException($"the rollout plan {path} cannot be read: {ex.Message}", ex);
        }

        return plan.Validate() is { Count: > 0 } errors
            ? throw new InvalidDataException($"the rollout plan {path} cannot be used: {string.Join("; ", errors)}")
            : plan;
    }
}
