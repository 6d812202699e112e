namespace Resilience;

/// <summary>
/// Tier 4: the declarative configuration file (the reference's <c>declarative_config</c>).
/// YAML, or JSON (YAML's subset); converted to JSON by the apply pipeline.
/// </summary>
internal sealed class YamlConfigSource : IConfigSource
{
    private readonly string? _path;
    private readonly long _maxFileBytes;

    public YamlConfigSource(string? path, long maxFileBytes)
    {
        _path = string.IsNullOrWhiteSpace(path) ? null : Path.GetFullPath(path);
        _maxFileBytes = maxFileBytes;
    }

    public string Description => _path ?? "(declarative config not set)";

    public async ValueTask<ConfigDocument?> LoadAsync(CancellationToken cancellationToken)
    {
        if (_path is null || !File.Exists(_path))
        {
            return null;
        }

        try
        {
            var length = new FileInfo(_path).Length;
            if (length > _maxFileBytes)
            {
                throw new ConfigSourceException($"{_path} is {length} bytes, over the limit of {_maxFileBytes}");
            }

            var content = await File.ReadAllBytesAsync(_path, cancellationToken).ConfigureAwait(false);
            return new ConfigDocument(content, ConfigFormat.Yaml, ConfigOrigin.Declarative) { Source = _path };
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ConfigSourceException($"{_path} cannot be read: {ex.Message}", ex);
        }
    }
}
