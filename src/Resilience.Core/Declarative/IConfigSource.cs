namespace Resilience;

/// <summary>
/// A read-only source of a configuration document, such as the declarative YAML file of tier 4.
/// Hosts may register their own.
/// </summary>
public interface IConfigSource
{
    /// <summary>Gets a short description (a path, a URI), for logs.</summary>
    string Description { get; }

    /// <summary>Reads the document.</summary>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The document, or <see langword="null"/> when the source holds none (for example, the file does not exist).</returns>
    /// <exception cref="ConfigSourceException">The source exists but cannot be read.</exception>
    ValueTask<ConfigDocument?> LoadAsync(CancellationToken cancellationToken);
}
