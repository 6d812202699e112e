namespace Resilience.ControlPlane.Redis;

/// <summary>
/// The Lua scripts that make each change atomic in Redis: a publish takes the next revision, stores the configuration and
/// announces it in one step, so two replicas publishing at once get two revisions and the higher one is stored last.
/// </summary>
internal static class RedisBackplaneScripts
{
    /// <summary>KEYS[1] config hash. ARGV: floor, hash, version, timestamp (unix ms), size, signature, payload, channel, rollout id. Returns the revision.</summary>
    public const string Publish = """
        local stored = tonumber(redis.call('HGET', KEYS[1], 'rev')) or 0
        local floor = tonumber(ARGV[1]) or 0
        local rev = math.max(stored, floor) + 1
        redis.call('HSET', KEYS[1], 'rev', rev, 'hash', ARGV[2], 'version', ARGV[3], 'ts', ARGV[4], 'size', ARGV[5], 'sig', ARGV[6], 'payload', ARGV[7], 'rollout', ARGV[9] or '')
        redis.call('PUBLISH', ARGV[8], rev)
        return rev
        """;

    /// <summary>
    /// KEYS[1] config hash. ARGV: revision, hash, version, timestamp, size, signature, payload, channel, rollout id. Stores only when
    /// the stored one comes before it (revision, then hash); returns 1 when it did.
    /// </summary>
    public const string Restore = """
        local stored = tonumber(redis.call('HGET', KEYS[1], 'rev')) or 0
        local storedHash = redis.call('HGET', KEYS[1], 'hash') or ''
        local rev = tonumber(ARGV[1])
        if rev > stored or (rev == stored and ARGV[2] > storedHash) then
          redis.call('HSET', KEYS[1], 'rev', ARGV[1], 'hash', ARGV[2], 'version', ARGV[3], 'ts', ARGV[4], 'size', ARGV[5], 'sig', ARGV[6], 'payload', ARGV[7], 'rollout', ARGV[9] or '')
          redis.call('PUBLISH', ARGV[8], ARGV[1])
          return 1
        end
        return 0
        """;

    /// <summary>
    /// KEYS[1] rollout hash. ARGV: expected version, new version, document, channel. Stores the document only when the
    /// stored version is the expected one (0: none stored); returns 1 when it did.
    /// </summary>
    public const string SetRollout = """
        local stored = tonumber(redis.call('HGET', KEYS[1], 'version')) or 0
        if stored ~= tonumber(ARGV[1]) then
          return 0
        end
        redis.call('HSET', KEYS[1], 'version', ARGV[2], 'doc', ARGV[3])
        redis.call('PUBLISH', ARGV[4], 'rollout')
        return 1
        """;

    /// <summary>KEYS[1] lease key. ARGV: replica id, duration (ms). Takes a free lease or renews the caller's; returns 1 when the caller holds it.</summary>
    public const string HoldLease = """
        local owner = redis.call('GET', KEYS[1])
        if owner == false or owner == ARGV[1] then
          redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
          return 1
        end
        return 0
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
