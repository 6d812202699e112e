namespace Resilience.Samples.Demo;

/// <summary>The command line: <c>[--workspace DIR] [--storage s3://bucket/prefix | azure://container/prefix]</c>.</summary>
internal sealed record DemoArguments(string Workspace, Uri? Storage)
{
    public const string Usage = """
        usage: Demo [--workspace DIR] [--storage s3://bucket/prefix | azure://container/prefix]
          --workspace  where certificates, node data, the file store and logs go (emptied first; default: a new temp dir)
          --storage    use an S3 (or S3-compatible, see AWS_CONFIG_STORAGE_ENDPOINT) or an Azure Blob Storage (see
                       AZURE_STORAGE_CONNECTION_STRING; Azurite too) fallback store instead of file://<workspace>/store
        or:    Demo pki DIR [--name NAME]... [--days N] [--force]   (a development PKI in DIR; see the README's quick start)
        """;

    public static DemoArguments? Parse(string[] args)
    {
        string? workspace = null;
        Uri? storage = null;
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--workspace" when i + 1 < args.Length:
                    workspace = Path.GetFullPath(args[++i]);
                    break;
                case "--storage" when i + 1 < args.Length && Uri.TryCreate(args[i + 1], UriKind.Absolute, out var uri) && uri.Scheme is "s3" or "azure":
                    storage = uri;
                    i++;
                    break;
                default:
                    return null;
            }
        }

        workspace ??= Path.Combine(Path.GetTempPath(), $"resilience-demo-{DateTime.UtcNow:yyyyMMdd-HHmmss}");
        return new DemoArguments(workspace, storage);
    }
}
