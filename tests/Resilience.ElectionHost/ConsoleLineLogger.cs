using Microsoft.Extensions.Logging;

namespace Resilience.ElectionHost;

/// <summary>Prints "LOG &lt;event id&gt; &lt;message&gt;" lines the test reads from standard output (debug too: the test counts election rounds, event 3105).</summary>
internal sealed class ConsoleLineLogger(string nodeId) : ILogger
{
    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Debug;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (IsEnabled(logLevel))
        {
            Console.WriteLine($"LOG {eventId.Id} {nodeId} {formatter(state, exception)}{(exception is null ? string.Empty : " (" + exception.GetType().Name + ": " + exception.Message + ")")}");
        }
    }
}
