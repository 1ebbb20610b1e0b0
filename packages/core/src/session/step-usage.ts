import type { ResolvedModel } from "../provider/provider"
import type { Tokens } from "./message"

/** The token counts of an AI SDK step, as opencode reports them. */
export function tokensOf(usage: {
  inputTokens?: number
  outputTokens?: number
  outputTokenDetails?: { reasoningTokens?: number }
  inputTokenDetails?: { cacheReadTokens?: number; cacheWriteTokens?: number }
}): Tokens {
  const input = usage.inputTokens ?? 0
  const output = usage.outputTokens ?? 0
  return {
    total: input + output,
    input,
    output,
    reasoning: usage.outputTokenDetails?.reasoningTokens ?? 0,
    cache: {
      read: usage.inputTokenDetails?.cacheReadTokens ?? 0,
      write: usage.inputTokenDetails?.cacheWriteTokens ?? 0,
    },
  }
}

/** What a step cost, from the model's prices per million tokens. */
export function stepCost(tokens: Tokens, model: ResolvedModel) {
  return (
    (tokens.input * model.cost.input + tokens.output * model.cost.output + tokens.cache.read * model.cost.cacheRead) /
    1_000_000
  )
}
