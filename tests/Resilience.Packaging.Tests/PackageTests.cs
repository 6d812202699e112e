using System.Diagnostics;
using System.IO.Compression;
using System.Text.Json;
using System.Xml.Linq;
using Xunit.Abstractions;

namespace Resilience.Packaging.Tests;

/// <summary>What a user gets from the feed: the packed libraries, restored into a fresh gateway project that runs.</summary>
[Collection(PackedCollection.Name)]
public sealed class PackageTests(PackedLibraries packed, ITestOutputHelper output)
{
    [Fact]
    public void Every_library_packs_with_symbols_readme_licence_repository_and_xml_docs()
    {
        output.WriteLine($"packed {packed.PackageIds.Count} libraries as {packed.Version} in {packed.PackDuration.TotalSeconds:F0} s");
        Assert.NotEmpty(packed.PackageIds);
        var expected = packed.PackageIds.SelectMany(id => new[] { $"{id}.{packed.Version}.nupkg", $"{id}.{packed.Version}.snupkg" }).Order(StringComparer.Ordinal);
        Assert.Equal(expected, Directory.GetFiles(packed.Feed).Select(Path.GetFileName).Order(StringComparer.Ordinal));

        foreach (var id in packed.PackageIds)
        {
            using var package = ZipFile.OpenRead(packed.PackagePath(id));
            var files = package.Entries.Select(e => e.FullName).ToHashSet(StringComparer.Ordinal);
            var nuspec = ReadNuspec(package, id);
            XNamespace ns = nuspec.Root!.Name.Namespace;
            var metadata = nuspec.Root.Element(ns + "metadata")!;
            string? Get(string name) => metadata.Element(ns + name)?.Value;

            Assert.Equal(id, Get("id"));
            Assert.Equal(packed.Version, Get("version"));
            Assert.False(string.IsNullOrWhiteSpace(Get("description")), $"{id}: no description");
            Assert.False(string.IsNullOrWhiteSpace(Get("tags")), $"{id}: no tags");
            Assert.Equal("expression", metadata.Element(ns + "license")?.Attribute("type")?.Value);
            Assert.Equal("MIT", Get("license"));
            Assert.Equal("git", metadata.Element(ns + "repository")?.Attribute("type")?.Value);
            Assert.Equal("README.md", Get("readme"));
            Assert.Contains("README.md", files);
            foreach (var tfm in new[] { "net8.0", "net10.0" })
            {
                Assert.Contains($"lib/{tfm}/{id}.dll", files);
                Assert.Contains($"lib/{tfm}/{id}.xml", files);
            }

            using var symbols = ZipFile.OpenRead(packed.PackagePath(id, "snupkg"));
            var symbolFiles = symbols.Entries.Select(e => e.FullName).ToHashSet(StringComparer.Ordinal);
            Assert.Contains($"lib/net8.0/{id}.pdb", symbolFiles);
            Assert.Contains($"lib/net10.0/{id}.pdb", symbolFiles);
        }
    }

    [Fact]
    public void Packages_that_move_together_require_each_other_within_the_same_minor_version()
    {
        // 0.1.0-test.r... packs its dependencies on our packages as [0.1.0-test.r..., 0.2.0): the same release up to the next minor.
        var parts = packed.Version.Split('-')[0].Split('.');
        var expected = $"[{packed.Version}, {parts[0]}.{int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture) + 1}.0)";
        var ours = packed.PackageIds.ToHashSet(StringComparer.Ordinal);
        var ranged = 0;

        foreach (var id in packed.PackageIds)
        {
            using var package = ZipFile.OpenRead(packed.PackagePath(id));
            var nuspec = ReadNuspec(package, id);
            XNamespace ns = nuspec.Root!.Name.Namespace;
            var dependencies = nuspec.Descendants(ns + "dependency").Where(d => ours.Contains(d.Attribute("id")!.Value)).ToList();
            if (id != "Resilience.Core")
            {
                // Every library builds on Core, directly or through another of ours (the Redis backplane through the
                // control plane): for each framework, at least one dependency on one of ours, in the range.
                var frameworks = dependencies.Select(d => d.Parent?.Attribute("targetFramework")?.Value).Distinct().Count();
                Assert.True(frameworks == 2, $"{id} depends on none of our packages for {2 - frameworks} of its 2 frameworks");
            }

            foreach (var dependency in dependencies)
            {
                Assert.True(expected == dependency.Attribute("version")?.Value, $"{id} depends on {dependency.Attribute("id")!.Value} {dependency.Attribute("version")?.Value}, expected {expected}");
                ranged++;
            }
        }

        output.WriteLine($"{ranged} dependencies between our packages, each {expected}");
        Assert.True(ranged >= 2 * (packed.PackageIds.Count - 1));
    }

    [Fact]
    public async Task Fresh_gateway_restores_the_packages_from_a_folder_feed_and_serves_its_yaml_fallback()
    {
        var elapsed = Stopwatch.StartNew();
        var project = Path.Combine(packed.Root, "gateway");
        var routeId = "packaged-" + packed.Version;
        await WriteGatewayProjectAsync(project, routeId);

        var build = await DotnetProcess.RunAsync(project, TimeSpan.FromMinutes(5), "build", "-c", "Release", "-nologo", "-nodeReuse:false");
        output.WriteLine($"gateway restored and built in {elapsed.Elapsed.TotalSeconds:F0} s");
        var assets = await File.ReadAllTextAsync(Path.Combine(project, "obj", "project.assets.json"));
        Assert.True(assets.Contains($"\"Resilience.Core/{packed.Version}\"", StringComparison.Ordinal), "Resilience.Core was not restored at the packed version:\n" + build);
        Assert.True(assets.Contains($"\"Resilience.Storage.S3/{packed.Version}\"", StringComparison.Ordinal), "Resilience.Storage.S3 was not restored at the packed version:\n" + build);

        var bin = Path.Combine(project, "bin", "Release", "net10.0");
        var url = $"http://127.0.0.1:{FreePort.Next()}";
        using var gateway = DotnetProcess.Start(bin, environment: null, Path.Combine(bin, "PackagedGateway.dll"), "--urls", url);
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var state = await PollStateAsync(gateway, client, url + "/state", TimeSpan.FromSeconds(60));
        output.WriteLine($"gateway answered {state} after {elapsed.Elapsed.TotalSeconds:F0} s in all");

        Assert.True(state.GetProperty("servingTier").GetString() == "Declarative", $"state {state}; gateway output:\n{gateway.Output}");
        Assert.True(state.GetProperty("isReady").GetBoolean(), $"state {state}; gateway output:\n{gateway.Output}");
        Assert.Equal(routeId, state.GetProperty("config").GetProperty("routes")[0].GetProperty("routeId").GetString());
        Assert.Equal("/hello", state.GetProperty("config").GetProperty("routes")[0].GetProperty("path").GetString());
        gateway.Kill();
    }

    [Fact]
    public async Task A_net8_project_using_the_S3_store_builds_without_the_System_IO_Hashing_warning()
    {
        // AWSSDK.Core 4.1 depends on System.IO.Hashing 11, whose build file warns on net8.0; the S3 package's
        // buildTransitive file explains why that is harmless and silences that one warning for its consumers.
        var project = Path.Combine(packed.Root, "net8-s3");
        Directory.CreateDirectory(project);
        await WriteNuGetConfigAsync(project);
        await File.WriteAllTextAsync(Path.Combine(project, "Net8S3.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <TargetFramework>net8.0</TargetFramework>
                <NuGetAudit>false</NuGetAudit>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="Resilience.Storage.S3" Version="{packed.Version}" />
              </ItemGroup>
            </Project>
            """);
        await File.WriteAllTextAsync(Path.Combine(project, "Store.cs"), "public static class Store { public static string Scheme => new Resilience.Storage.S3.S3FallbackStoreOptions().GetType().Name; }\n");

        var build = await DotnetProcess.RunAsync(project, TimeSpan.FromMinutes(5), "build", "-c", "Release", "-nologo", "-nodeReuse:false");
        var assets = await File.ReadAllTextAsync(Path.Combine(project, "obj", "project.assets.json"));
        Assert.True(assets.Contains("\"System.IO.Hashing/11.", StringComparison.Ordinal), "System.IO.Hashing 11 is no longer restored; is the suppression still needed?\n" + build);
        Assert.False(build.Contains("doesn't support net8.0", StringComparison.Ordinal), build);
        Assert.Contains(" 0 Warning(s)", build, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Readme_csharp_blocks_compile_against_the_packed_packages()
    {
        // Each block is a Program.cs as a user would paste it into a new Web SDK project: no usings added here.
        var blocks = ReadmeBlocks.CSharp(Path.Combine(RepositoryPaths.Root, "README.md")).Select(b => (Readme: "README.md", Name: $"ReadmeLine{b.Line}", b.Line, b.Code)).ToList();
        Assert.True(blocks.Count >= 2, $"README.md has {blocks.Count} C# blocks; the quick starts are gone?");

        // The packages' own READMEs (what the feed shows on the package page) are pasted the same way.
        foreach (var (readme, tag) in new[] { ("src/Resilience.Yarp/README.md", "Yarp") })
        {
            var own = ReadmeBlocks.CSharp(Path.Combine(RepositoryPaths.Root, readme));
            Assert.True(own.Count >= 1, $"{readme} has no C# block; its quick start is gone?");
            blocks.AddRange(own.Select(b => (Readme: readme, Name: $"Readme{tag}Line{b.Line}", b.Line, b.Code)));
        }

        var root = Path.Combine(packed.Root, "readme");
        Directory.CreateDirectory(root);
        await WriteNuGetConfigAsync(root);
        // Every package, and the other packages the quick start's project names (authentication, OpenTelemetry) at its versions.
        var quickStartProject = ReadmeBlocks.Marked(Path.Combine(RepositoryPaths.Root, "README.md"), "quickstart").Single(b => b.Name.EndsWith(".csproj", StringComparison.Ordinal)).Code;
        var others = XDocument.Parse(quickStartProject).Descendants("PackageReference")
            .Where(r => !r.Attribute("Include")!.Value.StartsWith("Resilience.", StringComparison.Ordinal))
            .Select(r => $"    <PackageReference Include=\"{r.Attribute("Include")!.Value}\" Version=\"{r.Attribute("Version")!.Value}\" />");
        Assert.NotEmpty(others);
        var references = string.Join("\n", packed.PackageIds.Select(id => $"    <PackageReference Include=\"{id}\" Version=\"{packed.Version}\" />").Concat(others));
        var projects = new List<string>();
        foreach (var (_, name, _, code) in blocks)
        {
            var dir = Path.Combine(root, name);
            Directory.CreateDirectory(dir);
            await File.WriteAllTextAsync(Path.Combine(dir, "Program.cs"), code);
            await File.WriteAllTextAsync(Path.Combine(dir, name + ".csproj"), $"""
                <Project Sdk="Microsoft.NET.Sdk.Web">
                  <PropertyGroup>
                    <TargetFramework>net10.0</TargetFramework>
                    <Nullable>enable</Nullable>
                    <ImplicitUsings>enable</ImplicitUsings>
                    <NuGetAudit>false</NuGetAudit>
                  </PropertyGroup>
                  <ItemGroup>
                {references}
                  </ItemGroup>
                </Project>
                """);
            projects.Add($"  <Project Path=\"{name}/{name}.csproj\" />");
        }

        var solution = Path.Combine(root, "readme.slnx");
        await File.WriteAllTextAsync(solution, "<Solution>\n" + string.Join('\n', projects) + "\n</Solution>\n");
        var elapsed = Stopwatch.StartNew();
        await DotnetProcess.RunAsync(root, TimeSpan.FromMinutes(8), "build", solution, "-c", "Release", "-nologo", "-nodeReuse:false", "-clp:ErrorsOnly");
        output.WriteLine($"{blocks.Count} README blocks ({string.Join(", ", blocks.Select(b => $"{b.Readme}:{b.Line}"))}) built in {elapsed.Elapsed.TotalSeconds:F0} s");
    }

    private static XDocument ReadNuspec(ZipArchive package, string id)
    {
        var entry = package.GetEntry(id + ".nuspec");
        Assert.True(entry is not null, $"{id}: no {id}.nuspec in the package");
        using var stream = entry.Open();
        return XDocument.Load(stream);
    }

    /// <summary>Polls until the gateway has left start-up (serving something, or start-up finished) or the deadline passes.</summary>
    private static async Task<JsonElement> PollStateAsync(DotnetProcess gateway, HttpClient client, string url, TimeSpan timeout)
    {
        string? last = null;
        return await Eventually.ReturnsAsync<JsonElement>(
            async () =>
            {
                last = await client.GetStringAsync(url);
                var state = JsonDocument.Parse(last).RootElement.Clone();
                return state.GetProperty("servingTier").GetString() != "None" || state.GetProperty("startupCompleted").GetBoolean() ? state : null;
            },
            $"{url} reports a served configuration",
            timeout,
            failIf: () => gateway.HasExited ? "the gateway exited:\n" + gateway.Output : null,
            retryOn: ex => ex is HttpRequestException or TaskCanceledException,
            detail: () => $"last answer: {last ?? "none"}; gateway output:\n{gateway.Output}");
    }

    private async Task WriteGatewayProjectAsync(string project, string routeId)
    {
        Directory.CreateDirectory(project);
        await WriteNuGetConfigAsync(project);
        await WriteGatewaySourcesAsync(project, routeId);
    }

    private Task WriteNuGetConfigAsync(string directory) =>
        File.WriteAllTextAsync(Path.Combine(directory, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <!-- The machine's default source stays (no <clear/>); the packed libraries come from the folder feed. -->
              <packageSources>
                <add key="local" value="{packed.Feed}" />
              </packageSources>
              <packageSourceMapping>
                <packageSource key="local">
                  <package pattern="Resilience.*" />
                </packageSource>
                <packageSource key="nuget.org">
                  <package pattern="*" />
                </packageSource>
              </packageSourceMapping>
            </configuration>
            """);

    private async Task WriteGatewaySourcesAsync(string project, string routeId)
    {
        await File.WriteAllTextAsync(Path.Combine(project, "PackagedGateway.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk.Web">
              <PropertyGroup>
                <TargetFramework>net10.0</TargetFramework>
                <Nullable>enable</Nullable>
                <ImplicitUsings>enable</ImplicitUsings>
                <TreatWarningsAsErrors>true</TreatWarningsAsErrors>
                <NuGetAudit>false</NuGetAudit>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="Resilience.Core" Version="{packed.Version}" />
                <PackageReference Include="Resilience.Storage.S3" Version="{packed.Version}" />
              </ItemGroup>
            </Project>
            """);
        await File.WriteAllTextAsync(Path.Combine(project, "Program.cs"), """
            using System.Text.Json;
            using Resilience;

            var builder = WebApplication.CreateBuilder(args);

            builder.Services
                .AddDataPlaneResilience(builder.Configuration.GetSection("Resilience"))
                .UseS3FallbackStore()
                .UseValidator((json, ct) =>
                {
                    using var document = JsonDocument.Parse(json);
                    return ValueTask.FromResult(
                        document.RootElement.TryGetProperty("routes", out var routes) && routes.ValueKind == JsonValueKind.Array
                            ? ConfigValidationResult.Valid()
                            : ConfigValidationResult.Invalid("routes: an array is required"));
                });

            var app = builder.Build();

            app.MapGet("/state", (IDataPlane dataPlane) => Results.Json(new
            {
                ServingTier = dataPlane.State.ServingTier.ToString(),
                dataPlane.State.IsReady,
                dataPlane.State.StartupCompleted,
                Config = dataPlane.Current is { } config ? JsonSerializer.Deserialize<JsonElement>(config.Payload.Span) : (JsonElement?)null,
            }));

            app.Run();
            """);
        var yaml = Path.Combine(project, "fallback.yaml");
        await File.WriteAllTextAsync(yaml, $"routes:\n  - routeId: {routeId}\n    path: /hello\n");
        await File.WriteAllTextAsync(Path.Combine(project, "appsettings.json"), JsonSerializer.Serialize(new
        {
            Logging = new { LogLevel = new { Default = "Information" } },
            Resilience = new
            {
                DataDirectory = Path.Combine(project, "data"),
                StartupTimeout = "00:00:02",
                Declarative = new { Path = yaml },
            },
        }));
    }
}
