namespace Resilience.Cache.Lmdb.Tests;

/// <summary>
/// Every process death the fuzz found before the pre-check read both meta pages, as a regression test with the exact
/// bytes (offset:hex) written over the base file of its format. Before the fix each one killed the process that opened
/// the cache: SIGFPE (136, a page size of 0), SIGBUS (135, meta page 1 found past the file's end), SIGSEGV (139, a page
/// whose own number was damaged, freed and reused on the next save), SIGABRT (134, liblmdb's assertion
/// 'mp_upper >= mp_lower' in mdb_node_add after pages were read with a smaller page size). Opened in a child process,
/// so a regression fails the test instead of killing the test host.
/// </summary>
public sealed class LmdbFuzzFindingsTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Theory]
    [InlineData(FuzzBaseFiles.Small, "4136:00000000")] // seed 68: meta page 1 page size 0 (SIGFPE)
    [InlineData(FuzzBaseFiles.Small, "4136:FFFFFFFF")] // seed 78 (SIGBUS)
    [InlineData(FuzzBaseFiles.Small, "4136:00000200")] // seed 347: page size 131072 (SIGBUS)
    [InlineData(FuzzBaseFiles.Small, "4136:72D79C2B")] // seed 367 (SIGBUS)
    [InlineData(FuzzBaseFiles.Small, "25198:FF,4138:FF,16409:00")] // seed 128 (SIGBUS)
    [InlineData(FuzzBaseFiles.Small, "12342:00,18303:00,4137:FF")] // seed 1007 (SIGBUS)
    [InlineData(FuzzBaseFiles.Small, "25229:10,16391:FF,28389:00,28662:80,16219:22")] // seed 381: a leaf page's own number (SIGSEGV on save)
    [InlineData(FuzzBaseFiles.Overflow, "4136:00040000")] // seed 357: page size 1024 (SIGABRT)
    [InlineData(FuzzBaseFiles.Overflow, "4136:00080000")] // seed 975: page size 2048 (SIGABRT)
    [InlineData(FuzzBaseFiles.Overflow, "4136:AA050000")] // seed 1234: page size 0x5AA (SIGABRT)
    [InlineData(FuzzBaseFiles.Overflow, "4136:00100010")] // seed 759 (SIGBUS)
    // Found by the 10,000-mutation run after the meta fix: no death, but a cache that never recovered.
    [InlineData(FuzzBaseFiles.Small, "24606:FF,20495:00,28480:F3,12326:00,21033:08,12134:00")] // seed 180: a leaf's upper bound moved, every save MDB_PAGE_FULL
    [InlineData(FuzzBaseFiles.Small, "20491:85,33:FF,20510:00,11872:00,7937:12,20375:00,38:00")] // seed 5061: in-memory page flags (P_KEEP) on disk, the saved entry unreadable
    public async Task Damage_that_killed_the_node_is_moved_aside_and_the_next_save_succeeds(string format, string patches)
    {
        var original = await FuzzBaseFiles.CreateAsync(_temp.Path, format);
        var damaged = original.ToArray();
        foreach (var patch in patches.Split(','))
        {
            var (offset, hex) = (int.Parse(patch[..patch.IndexOf(':')], System.Globalization.CultureInfo.InvariantCulture), patch[(patch.IndexOf(':') + 1)..]);
            Convert.FromHexString(hex).CopyTo(damaged, offset);
        }

        var directory = LmdbFuzzRunner.Prepare(_temp.Combine("work"), damaged);
        Assert.NotNull(LmdbDataFile.Check(directory));

        var (exitCode, output) = await FuzzChild.OpenAsync(directory);

        Assert.True(exitCode == 0, $"the child died with exit code {exitCode}: {output}");
        Assert.Contains("load:none,save:ok,reload:config moved-aside:1", output);
        Assert.Contains("2103", output);
    }

    [Theory]
    [InlineData(FuzzBaseFiles.Small)]
    [InlineData(FuzzBaseFiles.Overflow)]
    public async Task Undamaged_base_files_pass_the_pre_check_and_load(string format)
    {
        var original = await FuzzBaseFiles.CreateAsync(_temp.Path, format);
        var directory = LmdbFuzzRunner.Prepare(_temp.Combine("work"), original);
        Assert.Null(LmdbDataFile.Check(directory));

        var (exitCode, output) = await FuzzChild.OpenAsync(directory);

        Assert.Equal(0, exitCode);
        Assert.Contains("load:config,save:ok,reload:config moved-aside:0", output);
    }
}
