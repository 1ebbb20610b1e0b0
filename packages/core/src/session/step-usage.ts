import type { ResolvedModel } from "../provider/provider"
import type { Tokens } from "./message"

/**
 * The token counts of an AI SDK step, as opencode reports them: `input` is the input neither read from nor
 * written to a prompt cache, so input, cache read and cache write add up to what the call sent.
 */
export function tokensOf(usage: {
  inputTokens?: number
  outputTokens?: number
  outputTokenDetails?: { reasoningTokens?: number }
  inputTokenDetails?: { noCacheTokens?: number; cacheReadTokens?: number; cacheWriteTokens?: number }
}): Tokens {
  const sent = usage.inputTokens ?? 0
  const output = usage.outputTokens ?? 0
  const read = usage.inputTokenDetails?.cacheReadTokens ?? 0
  const write = usage.inputTokenDetails?.cacheWriteTokens ?? 0
  const input = usage.inputTokenDetails?.noCacheTokens ?? Math.max(0, sent - read - write)
  return {
    total: input + read + write + output,
    input,
    output,
    reasoning: usage.outputTokenDetails?.reasoningTokens ?? 0,
    cache: { read, write },
  }
}

/** What a step cost, from the model's prices per million tokens (cache reads and writes at their own prices). */
export function stepCost(tokens: Tokens, model: ResolvedModel) {
  const { cost } = model
  return (
    (tokens.input * cost.input +
      tokens.output * cost.output +
      tokens.cache.read * cost.cacheRead +
      tokens.cache.write * cost.cacheWrite) /
    1_000_000
  )
}

/** Every input token a call sent: uncached, read from the cache and written to it. */
export function allInput(tokens: Tokens) {
  return tokens.input + tokens.cache.read + tokens.cache.write
}
