using System.Text;

/// <summary>The configurations the crash writer alternates between; big enough that a write takes a while.</summary>
public static class CrashWriterConfigs
{
    public static IReadOnlyList<byte[]> All { get; } = [Make("old", 40_000), Make("new", 60_000)];

    /// <summary>Three configurations the history writer applies in turn: payloads are kept, added and deleted all the time.</summary>
    public static IReadOnlyList<byte[]> History { get; } = [Make("h1", 20_000), Make("h2", 30_000), Make("h3", 25_000)];

    /// <summary>A small configuration (a value that fits a leaf page), for the fuzz's save step.</summary>
    public static byte[] Small { get; } = Make("small", 10);

    private static byte[] Make(string name, int routes)
    {
        var builder = new StringBuilder("{\"name\":\"").Append(name).Append("\",\"routes\":[");
        for (var i = 0; i < routes; i++)
        {
            builder.Append(i == 0 ? "" : ",").Append("{\"id\":").Append(i).Append(",\"path\":\"/").Append(name).Append('/').Append(i).Append("\"}");
        }

        return Encoding.UTF8.GetBytes(builder.Append("]}").ToString());
    }
}
