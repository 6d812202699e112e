namespace Resilience.ControlPlane.Redis;

/// <summary>
/// The Lua scripts that make each change atomic in Redis: a publish takes the next revision, stores the configuration and
/// announces it in one step, so two replicas publishing at once get two revisions and the higher one is stored last.
/// </summary>
internal static class RedisBackplaneScripts
{
    /// <summary>
    /// KEYS[1] config hash, KEYS[2] list of recent hashes (newest first). ARGV: floor, hash, version, timestamp (unix ms),
    /// size, signature, payload, channel, how many recent configurations to keep, key prefix of a recent one (followed by
    /// its hash, in the same hash slot). Returns the revision.
    /// </summary>
    public const string Publish = KeepRecent + "\n" + """
        local stored = tonumber(redis.call('HGET', KEYS[1], 'rev')) or 0
        local floor = tonumber(ARGV[1]) or 0
        local rev = math.max(stored, floor) + 1
        redis.call('HSET', KEYS[1], 'rev', rev, 'hash', ARGV[2], 'version', ARGV[3], 'ts', ARGV[4], 'size', ARGV[5], 'sig', ARGV[6], 'payload', ARGV[7])
        keepRecent(rev)
        redis.call('PUBLISH', ARGV[8], rev)
        return rev
        """;

    /// <summary>
    /// KEYS[1] config hash, KEYS[2] list of recent hashes. ARGV: revision, hash, version, timestamp, size, signature, payload,
    /// channel, recent count, recent key prefix. Stores only when the stored one comes before it (revision, then hash);
    /// returns 1 when it did.
    /// </summary>
    public const string Restore = KeepRecent + "\n" + """
        local stored = tonumber(redis.call('HGET', KEYS[1], 'rev')) or 0
        local storedHash = redis.call('HGET', KEYS[1], 'hash') or ''
        local rev = tonumber(ARGV[1])
        if rev > stored or (rev == stored and ARGV[2] > storedHash) then
          redis.call('HSET', KEYS[1], 'rev', ARGV[1], 'hash', ARGV[2], 'version', ARGV[3], 'ts', ARGV[4], 'size', ARGV[5], 'sig', ARGV[6], 'payload', ARGV[7])
          keepRecent(rev)
          redis.call('PUBLISH', ARGV[8], ARGV[1])
          return 1
        end
        return 0
        """;

    /// <summary>
    /// Lua, the first lines of <see cref="Publish"/> and <see cref="Restore"/>: keeps the configuration they store (ARGV 2-7
    /// at revision <c>rev</c>) among the ARGV[9] most recent ones, under ARGV[10] .. hash, listed newest first in KEYS[2];
    /// the oldest beyond the count are deleted, not left to expire.
    /// </summary>
    private const string KeepRecent = """
        local function keepRecent(rev)
          local keep = tonumber(ARGV[9]) or 0
          if keep <= 0 then
            return
          end
          redis.call('HSET', ARGV[10] .. ARGV[2], 'rev', rev, 'hash', ARGV[2], 'version', ARGV[3], 'ts', ARGV[4], 'size', ARGV[5], 'sig', ARGV[6], 'payload', ARGV[7])
          redis.call('LREM', KEYS[2], 0, ARGV[2])
          redis.call('LPUSH', KEYS[2], ARGV[2])
          while redis.call('LLEN', KEYS[2]) > keep do
            local old = redis.call('RPOP', KEYS[2])
            if old ~= ARGV[2] then
              redis.call('DEL', ARGV[10] .. old)
            end
          end
        end
        """;

    /// <summary>KEYS[1] report key, KEYS[2] replica set. ARGV: report JSON, time to live (ms), replica id.</summary>
    public const string Report = """
        redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
        redis.call('SADD', KEYS[2], ARGV[3])
        return 1
        """;

    /// <summary>
    /// KEYS[1] replica set. ARGV[1] report key prefix. Returns id, report, id, report, ... of every live report and drops
    /// the ids whose report expired (a replica that stopped).
    /// </summary>
    public const string ReadReports = """
        local out = {}
        for _, id in ipairs(redis.call('SMEMBERS', KEYS[1])) do
          local report = redis.call('GET', ARGV[1] .. id)
          if report then
            table.insert(out, id)
            table.insert(out, report)
          else
            redis.call('SREM', KEYS[1], id)
          end
        end
        return out
        """;
}
