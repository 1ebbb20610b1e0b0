import type { ModelLimit } from "../../provider/model-limit"
import type { Tokens } from "../message"

/** The most tokens an answer is assumed to need when the model names no output limit. */
export const OUTPUT_TOKEN_MAX = 32_000
/** The most tokens kept free for the answer when the config names no `compaction.reserved`. */
export const COMPACTION_BUFFER = 20_000

/** Four characters a token: how text not yet sent to the model is counted. */
export function estimateTokens(text: string) {
  return Math.ceil(text.length / 4)
}

/**
 * How many tokens of context a call may fill before the session is compacted: the context limit
 * less what is kept free for the answer. Infinity when the model's context limit is unknown.
 */
export function usableContext(limit: ModelLimit, reserved?: number) {
  if (!limit.context) return Infinity
  const output = Math.min(limit.output || OUTPUT_TOKEN_MAX, OUTPUT_TOKEN_MAX)
  return limit.context - (reserved ?? Math.min(COMPACTION_BUFFER, output))
}

/**
 * Whether the next call would overflow: what the last call filled (its input, cache reads
 * included, and its answer, which the next call sends back) plus what was appended since and
 * not yet sent (`pending`, estimated) exceeds the usable context.
 */
export function isOverflow(input: { tokens: Tokens; pending: number; limit: ModelLimit; reserved?: number }) {
  const used = input.tokens.input + input.tokens.output + input.pending
  return used > usableContext(input.limit, input.reserved)
}
