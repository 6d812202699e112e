using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace Resilience;

/// <summary>One parser event; an alias carries the recorded events of the node it stands for, resolved where it appeared.</summary>
internal readonly record struct YamlEvent(ParsingEvent Event, IReadOnlyList<YamlEvent>? Target = null);

/// <summary>A stream of YAML events: the live parser, or an anchored node's recorded events being replayed for an alias.</summary>
internal interface IYamlEvents
{
    /// <summary>The next event.</summary>
    /// <exception cref="ConfigFormatException">The stream ended early or an alias names no anchor.</exception>
    YamlEvent Next();

    /// <summary>Starts recording the events of a node that carries an anchor; returns a handle for <see cref="EndAnchor"/>.</summary>
    object? BeginAnchor(YamlEvent node);

    /// <summary>Ends the node's recording and makes its anchor available to later aliases.</summary>
    void EndAnchor(object? handle);
}

/// <summary>
/// The live parser's events. Nodes with an anchor are recorded while they are read; the recordings together are
/// bounded by the node limit (each event recorded once per enclosing anchor), so recording cannot outgrow it.
/// </summary>
internal sealed class LiveEvents : IYamlEvents
{
    private readonly IParser _parser;
    private readonly long _maxRecorded;
    private readonly Dictionary<string, IReadOnlyList<YamlEvent>> _anchors = new(StringComparer.Ordinal);
    private readonly List<(string Name, List<YamlEvent> Events)> _recording = [];
    private long _recorded;

    public LiveEvents(IParser parser, int maxNodes)
    {
        _parser = parser;
        _maxRecorded = 4L * maxNodes;
    }

    /// <summary>Gets the end of the last event read, to place an error the parser reports without a position.</summary>
    public Mark LastGood { get; private set; } = Mark.Empty;

    public void Expect<T>(string what)
        where T : ParsingEvent
    {
        var next = Next();
        if (next.Event is not T)
        {
            throw new ConfigFormatException($"(line {next.Event.Start.Line}, column {next.Event.Start.Column}): expected {what}", next.Event.Start.Line, next.Event.Start.Column);
        }
    }

    public YamlEvent Next()
    {
        if (!_parser.MoveNext() || _parser.Current is not { } current)
        {
            throw new ConfigFormatException($"(line {LastGood.Line}, column {LastGood.Column}): the YAML stream ends early", LastGood.Line, LastGood.Column);
        }

        LastGood = current.End;
        var item = new YamlEvent(current);
        if (current is AnchorAlias alias)
        {
            if (!_anchors.TryGetValue(alias.Value.Value, out var target))
            {
                throw new ConfigFormatException(
                    $"(line {current.Start.Line}, column {current.Start.Column}): alias *{alias.Value.Value} names no anchor defined before it", current.Start.Line, current.Start.Column);
            }

            item = new YamlEvent(current, target);
        }

        if (_recording.Count > 0)
        {
            _recorded += _recording.Count;
            if (_recorded > _maxRecorded)
            {
                throw new ConfigFormatException($"(line {current.Start.Line}, column {current.Start.Column}): the document's anchors hold more than {_maxRecorded} events; refusing it", current.Start.Line, current.Start.Column);
            }

            foreach (var (_, events) in _recording)
            {
                events.Add(item);
            }
        }

        return item;
    }

    public object? BeginAnchor(YamlEvent node)
    {
        if (node.Event is not NodeEvent { Anchor.IsEmpty: false } anchored)
        {
            return null;
        }

        var recording = (anchored.Anchor.Value, new List<YamlEvent> { node });
        _recording.Add(recording);
        return recording;
    }

    public void EndAnchor(object? handle)
    {
        if (handle is not (string name, List<YamlEvent> events))
        {
            return;
        }

        _recording.RemoveAt(_recording.Count - 1);
        _anchors[name] = events;
    }
}

/// <summary>An anchored node's recorded events, replayed for an alias (anchors inside were resolved when recorded).</summary>
internal sealed class ReplayedEvents : IYamlEvents
{
    private readonly IReadOnlyList<YamlEvent> _events;
    private int _next;

    public ReplayedEvents(IReadOnlyList<YamlEvent> events) => _events = events;

    public YamlEvent Next() => _next < _events.Count
        ? _events[_next++]
        : throw new ConfigFormatException("an anchored node's events end early");

    public object? BeginAnchor(YamlEvent node) => null;

    public void EndAnchor(object? handle)
    {
    }
}
