using System.Security.Cryptography;
using System.Threading.Channels;
using Resilience;
using Resilience.ControlPlane;

namespace Resilience.Samples.ControlPlane;

/// <summary>
/// Publishes the configuration file at start and again whenever it changes: a JSON object as is, anything else as YAML,
/// which the publisher converts to JSON exactly as a data plane converts its declarative file. A file that is neither
/// is logged and skipped: the data planes keep the last published configuration. A file renamed into place (written
/// beside it, then moved over it: an atomic save) is whole when it lands and is published at once; a file written in
/// place is published once it has been quiet for the debounce (a writer may not be done: a YAML file cut at a line
/// end still parses).
/// </summary>
public sealed partial class ConfigFileWatcher(ControlPlaneOptions options, IConfigPublisher publisher, ILogger<ConfigFileWatcher> logger) : BackgroundService
{
    private readonly Channel<bool> _changes = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private byte[]? _publishedDigest;
    private int _writtenInPlace;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var path = Path.GetFullPath(options.ConfigPath);
        using var watcher = new FileSystemWatcher(Path.GetDirectoryName(path)!, Path.GetFileName(path))
        {
            NotifyFilter = NotifyFilters.LastWrite | NotifyFilters.FileName | NotifyFilters.Size | NotifyFilters.CreationTime,
        };
        watcher.Changed += (_, _) => Changed(inPlace: true);
        watcher.Created += (_, _) => Changed(inPlace: true);
        watcher.Renamed += (_, _) => Changed(inPlace: false);
        watcher.EnableRaisingEvents = true;
        LogWatching(logger, path);

        await PublishFileAsync(path, stoppingToken);
        while (await _changes.Reader.WaitToReadAsync(stoppingToken))
        {
            _changes.Reader.TryRead(out _);

            // Debounce what was written in place: publish once the file has been quiet for the whole interval. What was
            // only renamed into place is published now.
            while (Interlocked.Exchange(ref _writtenInPlace, 0) == 1)
            {
                await Task.Delay(options.Debounce, stoppingToken);
                _changes.Reader.TryRead(out _);
            }

            await PublishFileAsync(path, stoppingToken);
        }
    }

    private void Changed(bool inPlace)
    {
        if (inPlace)
        {
            Interlocked.Exchange(ref _writtenInPlace, 1);
        }

        _changes.Writer.TryWrite(true);
    }

    private async Task PublishFileAsync(string path, CancellationToken cancellationToken)
    {
        byte[] content;
        try
        {
            if (!File.Exists(path))
            {
                LogMissing(logger, path);
                return;
            }

            content = await File.ReadAllBytesAsync(path, cancellationToken);
        }
        catch (IOException ex)
        {
            LogUnusable(logger, path, ex.Message);
            return;
        }

        var digest = SHA256.HashData(content);
        if (_publishedDigest is not null && digest.AsSpan().SequenceEqual(_publishedDigest))
        {
            return;
        }

        try
        {
            var plan = RolloutPlanFile.Read(options.RolloutPlanPath);
            var published = IsJson(content)
                ? await publisher.PublishAsync(content, plan: plan, cancellationToken: cancellationToken)
                : await publisher.PublishYamlAsync(content, plan: plan, cancellationToken: cancellationToken);
            _publishedDigest = digest;
            LogPublished(logger, path, published.Hash, published.Version, published.RolloutId ?? "none: every node at once");
        }
        catch (Exception ex) when (ex is ConfigFormatException or ArgumentException or ConfigValidationException or RolloutInProgressException or InvalidDataException)
        {
            // Refused by the gateways' validator, a bad plan, a running rollout that refuses publishes: nothing was published.
            LogUnusable(logger, path, ex.Message);
        }
    }

    /// <summary>A JSON object is published as is (byte for byte, so its hash is predictable); anything else is read as YAML.</summary>
    private static bool IsJson(ReadOnlySpan<byte> content)
    {
        content = content.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]) ? content[3..] : content;
        var start = content.IndexOfAnyExcept(" \t\r\n"u8);
        return start >= 0 && content[start] == (byte)'{';
    }

    [LoggerMessage(1, LogLevel.Information, "Watching {Path}.")]
    private static partial void LogWatching(ILogger logger, string path);

    [LoggerMessage(2, LogLevel.Information, "Published {Path} as configuration {Hash} (version {Version}; rollout {Rollout}).")]
    private static partial void LogPublished(ILogger logger, string path, string hash, string version, string rollout);

    [LoggerMessage(3, LogLevel.Warning, "{Path} is not a usable configuration ({Why}); the last published one stays.")]
    private static partial void LogUnusable(ILogger logger, string path, string why);

    [LoggerMessage(4, LogLevel.Warning, "{Path} does not exist yet; nothing to publish.")]
    private static partial void LogMissing(ILogger logger, string path);
}
