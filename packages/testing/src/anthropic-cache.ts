import { blocksOf, type MessagesRequest } from "./anthropic-wire"
import { countTokens } from "./script"

/** Input usage as Anthropic reports it: the three parts add up to the request's input. */
export type CacheUsage = {
  /** Input after the last cache breakpoint, or all of it when nothing is cached or written. */
  input_tokens: number
  /** Input read from the cache: the longest cached prefix the request starts with. */
  cache_read_input_tokens: number
  /** Input written to the cache: from the end of what was read to the request's last breakpoint. */
  cache_creation_input_tokens: number
}

export type PromptCacheOptions = {
  /** Block boundaries checked for an earlier entry, the breakpoint's own and those before it; Anthropic documents 20. */
  lookback?: number
  /** Prefixes shorter than this are neither written nor read (Anthropic: 1024 to 4096 by model); default 0. */
  minTokens?: number
}

type Block = { key: string; tokens: number; breakpoint: boolean }

function withoutCacheControl(block: object) {
  const { cache_control: _, ...rest } = block as { cache_control?: unknown }
  return rest
}

/**
 * The request in the order Anthropic caches it (tools, system, messages), one entry per block. A `thinking` or
 * `tool_choice` change invalidates message prefixes but not tools and system, so both key the first message block.
 */
function cacheBlocks(body: MessagesRequest): Block[] {
  const blocks: Block[] = []
  const add = (key: string, breakpoint: boolean) => blocks.push({ key, tokens: countTokens(key), breakpoint })
  for (const tool of body.tools ?? []) add(JSON.stringify(["tool", withoutCacheControl(tool)]), !!tool.cache_control)
  const system = typeof body.system === "string" ? [{ type: "text" as const, text: body.system }] : (body.system ?? [])
  for (const block of system) add(JSON.stringify(["system", withoutCacheControl(block)]), !!block.cache_control)
  const settings = JSON.stringify([body.thinking ?? null, body.tool_choice ?? null])
  for (const [i, message] of body.messages.entries()) {
    for (const [k, block] of blocksOf(message.content).entries()) {
      const key = JSON.stringify([message.role, withoutCacheControl(block)])
      add(i === 0 && k === 0 ? settings + key : key, !!block.cache_control)
    }
  }
  // Automatic caching: a top-level cache_control marks the last block.
  if (body.cache_control && blocks.length) blocks.at(-1)!.breakpoint = true
  return blocks
}

/**
 * A simulation of Anthropic's prompt cache. Each block's prefix (everything up to and including it, from the
 * model on) has a chained hash; a request reads the longest prefix written by an earlier request that ends at one
 * of its breakpoints or within the `lookback` block boundaries ending there, and writes the prefixes ending at its
 * breakpoints.
 * Entries never expire. Tokens are counted with `countTokens` over each block's JSON without `cache_control`.
 */
export function createPromptCache(options: PromptCacheOptions = {}) {
  const lookback = options.lookback ?? 20
  const minTokens = options.minTokens ?? 0
  const entries = new Set<string>()
  return {
    /** Usage of the request, recording its breakpoint prefixes as written. Call once per accepted request. */
    account(body: MessagesRequest): CacheUsage {
      const blocks = cacheBlocks(body)
      const hashes: string[] = []
      const prefix: number[] = []
      let hash: number | bigint = Bun.hash(body.model)
      let total = 0
      for (const block of blocks) {
        hash = Bun.hash(block.key, hash)
        total += block.tokens
        hashes.push(String(hash))
        prefix.push(total)
      }
      const cacheable = (i: number) => prefix[i]! >= minTokens && prefix[i]! > 0
      const breakpoints = blocks.flatMap((block, i) => (block.breakpoint && cacheable(i) ? [i] : []))
      let hit = -1
      for (const b of breakpoints) {
        for (let j = b; j > b - lookback && j >= 0 && j > hit; j--) {
          if (entries.has(hashes[j]!)) {
            hit = j
            break
          }
        }
      }
      const read = hit >= 0 ? prefix[hit]! : 0
      const last = breakpoints.at(-1) ?? -1
      const written = last > hit ? prefix[last]! - read : 0
      for (const b of breakpoints) entries.add(hashes[b]!)
      return {
        input_tokens: total - read - written,
        cache_read_input_tokens: read,
        cache_creation_input_tokens: written,
      }
    },
  }
}
export type PromptCache = ReturnType<typeof createPromptCache>
