using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Resilience.Tests.Architecture;

/// <summary>
/// The folders of a project's source tree and which folder's code names a symbol declared in which other folder,
/// read from the files as they are (no list of files or types): every C# file under the project and the shared
/// sources it links is compiled with Roslyn, and every name in it is bound to the declaration it refers to.
/// </summary>
internal sealed class FolderGraph
{
    private FolderGraph(IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>> edges, IReadOnlyList<string> folders, IReadOnlyList<string> unresolved)
    {
        Edges = edges;
        Folders = folders;
        Unresolved = unresolved;
    }

    /// <summary>Gets, per folder, the folders it refers to, each with one example ("File.cs: Symbol").</summary>
    public IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>> Edges { get; }

    /// <summary>Gets every folder that holds a source file.</summary>
    public IReadOnlyList<string> Folders { get; }

    /// <summary>Gets the names the compilation could not bind to any type (CS0246/CS0234): a sign the graph is incomplete.</summary>
    public IReadOnlyList<string> Unresolved { get; }

    /// <summary>Reads a project directory and the shared-source directories it compiles (as <c>Shared/&lt;Concept&gt;</c> folders).</summary>
    public static FolderGraph Read(string projectDirectory, params string[] sharedDirectories)
    {
        var files = new List<(string Folder, string Path)>();
        foreach (var path in Directory.EnumerateFiles(projectDirectory, "*.cs", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(projectDirectory, path);
            if (relative.StartsWith("obj" + Path.DirectorySeparatorChar, StringComparison.Ordinal) || relative.StartsWith("bin" + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            {
                continue;
            }

            files.Add((FolderOf(relative), path));
        }

        foreach (var shared in sharedDirectories)
        {
            foreach (var path in Directory.EnumerateFiles(shared, "*.cs", SearchOption.AllDirectories))
            {
                files.Add(("Shared/" + Path.GetFileName(shared.TrimEnd('/')), path));
            }
        }

        var parse = new CSharpParseOptions(LanguageVersion.Preview, preprocessorSymbols: ["NET8_0_OR_GREATER", "NET9_0_OR_GREATER", "NET10_0_OR_GREATER", "NET"]);
        var trees = files.Select(f => CSharpSyntaxTree.ParseText(File.ReadAllText(f.Path), parse, f.Path)).ToList();
        var folderOfTree = trees.Zip(files).ToDictionary(p => p.First, p => p.Second.Folder);
        var compilation = CSharpCompilation.Create(
            "FolderGraph",
            trees.Append(CSharpSyntaxTree.ParseText(ImplicitUsings, parse)),
            References(),
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));

        var unresolved = compilation.GetDiagnostics()
            .Where(d => d.Id is "CS0246" or "CS0234")
            .Select(d => d.ToString())
            .ToList();

        var edges = new Dictionary<string, Dictionary<string, string>>(StringComparer.Ordinal);
        foreach (var tree in trees)
        {
            var from = folderOfTree[tree];
            var model = compilation.GetSemanticModel(tree);
            foreach (var name in tree.GetRoot().DescendantNodes().OfType<SimpleNameSyntax>())
            {
                var info = model.GetSymbolInfo(name);
                var symbol = info.Symbol ?? info.CandidateSymbols.FirstOrDefault();
                if (symbol is null or INamespaceSymbol)
                {
                    continue;
                }

                foreach (var to in DeclaringFolders(symbol, folderOfTree))
                {
                    if (to == from)
                    {
                        continue;
                    }

                    if (!edges.TryGetValue(from, out var targets))
                    {
                        edges[from] = targets = new(StringComparer.Ordinal);
                    }

                    targets.TryAdd(to, $"{Path.GetFileName(tree.FilePath)}: {symbol.ToDisplayString()}");
                }
            }
        }

        return new FolderGraph(
            edges.ToDictionary(e => e.Key, e => (IReadOnlyDictionary<string, string>)e.Value, StringComparer.Ordinal),
            files.Select(f => f.Folder).Distinct().Order(StringComparer.Ordinal).ToList(),
            unresolved);
    }

    /// <summary>Finds every cycle's folders (strongly connected components of more than one folder), each sorted.</summary>
    public IReadOnlyList<IReadOnlyList<string>> Cycles(IEnumerable<(string From, string To)>? ignore = null)
    {
        var ignored = new HashSet<(string, string)>(ignore ?? []);
        // Tarjan's algorithm over the folder graph.
        var index = 0;
        var indices = new Dictionary<string, int>();
        var low = new Dictionary<string, int>();
        var stack = new Stack<string>();
        var onStack = new HashSet<string>();
        var cycles = new List<IReadOnlyList<string>>();

        void Visit(string folder)
        {
            indices[folder] = low[folder] = index++;
            stack.Push(folder);
            onStack.Add(folder);
            foreach (var next in Edges.TryGetValue(folder, out var targets) ? targets.Keys : [])
            {
                if (ignored.Contains((folder, next)))
                {
                    continue;
                }

                if (!indices.ContainsKey(next))
                {
                    Visit(next);
                    low[folder] = Math.Min(low[folder], low[next]);
                }
                else if (onStack.Contains(next))
                {
                    low[folder] = Math.Min(low[folder], indices[next]);
                }
            }

            if (low[folder] == indices[folder])
            {
                var component = new List<string>();
                string member;
                do
                {
                    member = stack.Pop();
                    onStack.Remove(member);
                    component.Add(member);
                }
                while (member != folder);

                if (component.Count > 1)
                {
                    component.Sort(StringComparer.Ordinal);
                    cycles.Add(component);
                }
            }
        }

        foreach (var folder in Folders.Concat(Edges.Keys).Distinct())
        {
            if (!indices.ContainsKey(folder))
            {
                Visit(folder);
            }
        }

        return cycles;
    }

    /// <summary>Describes a cycle with the references that make it, so a failure says which file to change.</summary>
    public string Describe(IReadOnlyList<string> cycle) =>
        string.Join(
            Environment.NewLine,
            cycle.SelectMany(from => Edges.TryGetValue(from, out var targets)
                ? targets.Where(t => cycle.Contains(t.Key)).Select(t => $"  {from} -> {t.Key} ({t.Value})")
                : []));

    private static string FolderOf(string relativePath)
    {
        var directory = Path.GetDirectoryName(relativePath) ?? string.Empty;
        return directory.Replace(Path.DirectorySeparatorChar, '/');
    }

    /// <summary>The folders a symbol is declared in; a type declared across folders (a partial log class) counts by its members only.</summary>
    private static IEnumerable<string> DeclaringFolders(ISymbol symbol, Dictionary<SyntaxTree, string> folderOfTree)
    {
        symbol = symbol switch
        {
            IMethodSymbol { ReducedFrom: { } reduced } => reduced,
            IMethodSymbol { IsGenericMethod: true } generic => generic.OriginalDefinition,
            INamedTypeSymbol { IsGenericType: true } generic => generic.OriginalDefinition,
            _ => symbol.OriginalDefinition,
        };

        var folders = symbol.DeclaringSyntaxReferences
            .Select(r => folderOfTree.TryGetValue(r.SyntaxTree, out var folder) ? folder : null)
            .OfType<string>()
            .Distinct()
            .ToList();
        return folders.Count == 1 ? folders : [];
    }

    private static IEnumerable<MetadataReference> References() =>
        ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!)
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Where(p => !Path.GetFileName(p).StartsWith("Resilience.", StringComparison.Ordinal))
            .Select(p => MetadataReference.CreateFromFile(p));

    private const string ImplicitUsings = """
        global using System;
        global using System.Collections.Generic;
        global using System.IO;
        global using System.Linq;
        global using System.Net.Http;
        global using System.Threading;
        global using System.Threading.Tasks;
        """;
}
