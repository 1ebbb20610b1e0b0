import { countTokens } from "./script"

export type PrefixCacheOptions = {
  /** Prompts shorter than this are neither cached nor read from the cache; OpenAI documents 1024. */
  minTokens?: number
  /** Cache hits grow in steps of this many tokens; OpenAI documents 128. */
  granularity?: number
}

/**
 * A simulation of OpenAI's automatic prompt caching: no markers, the longest prefix that an earlier prompt
 * (of at least `minTokens`) shared is read from the cache, counted in whole steps of `granularity` tokens. A
 * prompt is compared as text, at four characters a token: each step of the text has a hash chained from the
 * steps before it, and every step hash of every cached prompt is kept. Entries never expire.
 */
export function createPrefixCache(options: PrefixCacheOptions = {}) {
  const minTokens = options.minTokens ?? 1024
  const granularity = options.granularity ?? 128
  const step = granularity * 4
  const seen = new Set<string>()
  return {
    /** Input and cached tokens of a prompt, caching it. Call once per answered request. */
    account(text: string) {
      const input = countTokens(text)
      if (input < minTokens) return { input, cached: 0 }
      const hashes: string[] = []
      let hash: number | bigint = 0
      for (let end = step; end <= text.length; end += step) {
        hash = Bun.hash(text.slice(end - step, end), hash)
        hashes.push(String(hash))
      }
      const hits = hashes.findIndex((h) => !seen.has(h))
      const steps = hits === -1 ? hashes.length : hits
      for (const h of hashes) seen.add(h)
      const cached = steps * granularity
      return { input, cached: cached >= minTokens ? cached : 0 }
    },
  }
}
export type PrefixCache = ReturnType<typeof createPrefixCache>
