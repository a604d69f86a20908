using System.Security.Cryptography;
using System.Text;
using StackExchange.Redis;

namespace LinkGateway.Memory;

/// <summary>
/// A Lua script sent by its SHA-1 (EVALSHA), the digest computed once. The client's own script cache finds a script by
/// hashing its whole text on every call, which for the store's plan (about 4 KB) cost more gateway CPU than encoding the
/// rest of the command (a profile under load put 1.8 % of the gateway's CPU in that lookup). A server that does not know
/// the script — restarted, flushed, a new node — answers NOSCRIPT; that one call is then sent as EVAL, which loads it.
/// </summary>
internal sealed class RedisScript(string text)
{
    private readonly byte[] _sha1 = SHA1.HashData(Encoding.UTF8.GetBytes(text));

    /// <summary>
    /// Queues the script on <paramref name="first"/> (a database or a batch); when the server did not know it, sends it
    /// again with its text on <paramref name="retry"/> (a database: a batch has gone by then).
    /// </summary>
    public async Task<RedisResult> EvaluateAsync(IDatabaseAsync first, IDatabaseAsync retry, RedisKey[] keys, RedisValue[] args)
    {
        try
        {
            return await first.ScriptEvaluateAsync(_sha1, keys, args).ConfigureAwait(false);
        }
        catch (RedisServerException e) when (e.Message.StartsWith("NOSCRIPT", StringComparison.Ordinal))
        {
            // NoScriptCache: one EVAL with the text, not the client's SCRIPT LOAD and then EVAL, and nothing kept in its
            // text-keyed cache.
            return await retry.ScriptEvaluateAsync(text, keys, args, CommandFlags.NoScriptCache).ConfigureAwait(false);
        }
    }
}
