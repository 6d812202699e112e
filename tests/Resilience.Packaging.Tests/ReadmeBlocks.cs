using System.Text.RegularExpressions;

namespace Resilience.Packaging.Tests;

/// <summary>The fenced <c>```csharp</c> blocks of a Markdown file, read when the test runs (so README edits are covered at once).</summary>
internal static partial class ReadmeBlocks
{
    public static IReadOnlyList<(int Line, string Code)> CSharp(string markdownPath)
    {
        var lines = File.ReadAllLines(markdownPath);
        var blocks = new List<(int, string)>();
        for (var i = 0; i < lines.Length; i++)
        {
            var open = Fence().Match(lines[i]);
            if (!open.Success || !open.Groups["lang"].Value.Equals("csharp", StringComparison.OrdinalIgnoreCase) && !open.Groups["lang"].Value.Equals("cs", StringComparison.OrdinalIgnoreCase) && !open.Groups["lang"].Value.Equals("c#", StringComparison.OrdinalIgnoreCase))
            {
                if (open.Success)
                {
                    i = SkipTo(lines, i, open.Groups["fence"].Value); // another language's block
                }

                continue;
            }

            var end = SkipTo(lines, i, open.Groups["fence"].Value);
            blocks.Add((i + 1, string.Join('\n', lines[(i + 1)..end]) + "\n"));
            i = end;
        }

        return blocks;
    }

    /// <summary>
    /// The blocks marked for a test by an HTML comment on the line before their fence (<c>&lt;!-- quickstart: NAME --&gt;</c>,
    /// invisible when the Markdown is rendered), by name, in the order they appear.
    /// </summary>
    public static IReadOnlyList<(string Name, string Language, int Line, string Code)> Marked(string markdownPath, string marker)
    {
        var lines = File.ReadAllLines(markdownPath);
        var blocks = new List<(string, string, int, string)>();
        for (var i = 1; i < lines.Length; i++)
        {
            var open = Fence().Match(lines[i]);
            if (!open.Success)
            {
                continue;
            }

            var end = SkipTo(lines, i, open.Groups["fence"].Value);
            var comment = MarkerComment().Match(lines[i - 1]);
            if (comment.Success && comment.Groups["marker"].Value == marker)
            {
                blocks.Add((comment.Groups["name"].Value, open.Groups["lang"].Value, i + 1, string.Join('\n', lines[(i + 1)..end]) + "\n"));
            }

            i = end;
        }

        return blocks;
    }

    private static int SkipTo(string[] lines, int open, string fence)
    {
        for (var j = open + 1; j < lines.Length; j++)
        {
            if (lines[j].TrimStart().StartsWith(fence, StringComparison.Ordinal) && lines[j].Trim().Trim('`', '~').Length == 0)
            {
                return j;
            }
        }

        throw new InvalidOperationException($"unclosed code block at line {open + 1}");
    }

    [GeneratedRegex(@"^\s{0,3}(?<fence>```+|~~~+)\s*(?<lang>[^\s`]*)")]
    private static partial Regex Fence();

    [GeneratedRegex(@"^\s*<!--\s*(?<marker>[\w-]+):\s*(?<name>\S+)\s*-->\s*$")]
    private static partial Regex MarkerComment();
}
